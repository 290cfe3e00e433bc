//! `prism avatar FILE`: the report on a real VRM file, and the refusal of one Prism cannot use.

/// `../shared/assets/vrm/NAME`, found above the working directory (missing fails).
fn vrm(name: &str) -> String {
    let cwd = std::env::current_dir().unwrap();
    cwd.ancestors()
        .map(|d| d.join("../shared/assets/vrm").join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "../shared/assets/vrm/{name} not found above {}",
                cwd.display()
            )
        })
        .display()
        .to_string()
}

#[test]
fn the_avatar_report_says_what_a_vrm_has() {
    let r = crate::terminal::avatar(&vrm("cool_loops.vrm")).unwrap();
    println!("{r}");
    assert!(r.contains("VRM 0.x avatar \"Cool_loops\""), "{r}");
    assert!(r.contains("the 15 required ones all there"), "{r}");
    assert!(r.contains("blink"), "{r}");
    assert!(r.contains("(1 MToon)"), "{r}");
    // Its one spring-bone group lists no bones: nothing to simulate, and said so.
    assert!(r.contains("springs      0 joints, 0 colliders"), "{r}");
    assert!(r.ends_with("usable       yes\n"), "{r}");
    let e = crate::terminal::avatar("/etc/hostname").unwrap_err();
    assert!(
        e.ends_with("not a VRM file: it does not start like a glTF binary"),
        "{e}"
    );
}
