//! Xtream Codes `player_api.php` replies, as inconsistent as real panels send them.

use prism_core::playlist::xtream::*;

const ACCOUNT: &str = r#"{"user_info":{"username":"al ice","password":"p@ss","message":"Welcome","auth":1,"status":"Active",
"exp_date":"1767225600","is_trial":"0","active_cons":"1","created_at":"1700000000","max_connections":"2",
"allowed_output_formats":["m3u8","ts","rtmp"]},
"server_info":{"url":"tv.example","port":"8080","https_port":"443","server_protocol":"http","timezone":"Europe/London","timestamp_now":1704067200,"time_now":"2024-01-01 00:00:00"}}"#;

#[test]
fn account() {
    let a = parse_account(ACCOUNT).unwrap();
    assert_eq!(a.username, "al ice");
    assert_eq!(a.expires_at, Some(1_767_225_600));
    assert_eq!((a.active_connections, a.max_connections), (1, 2));
    assert!(!a.is_trial);
    assert_eq!(a.preferred_format(), "m3u8");
    assert_eq!(a.server_timezone.as_deref(), Some("Europe/London"));
    assert_eq!(a.server_time, Some(1_704_067_200));
    let ts_only = ACCOUNT.replace(r#"["m3u8","ts","rtmp"]"#, r#"["ts"]"#);
    assert_eq!(parse_account(&ts_only).unwrap().preferred_format(), "ts");
}

#[test]
fn refused_logins_are_errors() {
    let e = parse_account(r#"{"user_info":{"auth":0}}"#).unwrap_err();
    assert!(e.to_string().contains("wrong username or password"), "{e}");
    let e = parse_account(&ACCOUNT.replace("\"Active\"", "\"Expired\"")).unwrap_err();
    assert!(e.to_string().contains("Expired"), "{e}");
    assert!(matches!(parse_account("<html>"), Err(XtreamError::Json(_))));
    assert!(matches!(parse_account("{}"), Err(XtreamError::Shape(_))));
}

#[test]
fn streams_become_channels_with_urls() {
    let login = XtreamLogin::new("tv.example:8080/player_api.php", "al ice", "p@ss");
    assert_eq!(login.server, "http://tv.example:8080");
    assert_eq!(
        login.live_categories_url(),
        "http://tv.example:8080/player_api.php?username=al%20ice&password=p%40ss&action=get_live_categories"
    );
    let cats = parse_categories(r#"[{"category_id":"1","category_name":"News"},{"category_id":2,"category_name":"Sports","parent_id":0}]"#).unwrap();
    assert_eq!(cats.len(), 2);
    assert_eq!(cats[1].category_id, "2");
    let streams = r#"[
      {"num":1,"name":"CNN ","stream_type":"live","stream_id":101,"stream_icon":"http://i/cnn.png","epg_channel_id":"cnn.us","category_id":"1","tv_archive":1,"tv_archive_duration":"3"},
      {"num":"2","name":"ESPN","stream_type":"live","stream_id":"102","stream_icon":"","epg_channel_id":null,"category_id":2,"tv_archive":"0"},
      {"num":3,"name":"Broken","stream_type":"live","stream_id":null},
      {"num":4,"name":"Radio 1","stream_type":"radio_streams","stream_id":104,"category_id":"9"}
    ]"#;
    let p = parse_live_streams(streams, &login, &cats, "m3u8").unwrap();
    assert_eq!(p.channels.len(), 3);
    let cnn = &p.channels[0];
    assert_eq!(cnn.name, "CNN");
    assert_eq!(
        cnn.primary_url(),
        Some("http://tv.example:8080/live/al%20ice/p%40ss/101.m3u8")
    );
    assert_eq!(cnn.tvg_id.as_deref(), Some("cnn.us"));
    assert_eq!(cnn.groups, ["News"]);
    assert_eq!(cnn.catchup.as_ref().and_then(|c| c.days), Some(3));
    let espn = &p.channels[1];
    assert_eq!(
        (espn.tvg_id.as_ref(), espn.logo.as_ref(), &espn.groups[..]),
        (None, None, &["Sports".to_string()][..])
    );
    assert!(espn.catchup.is_none());
    assert!(p.channels[2].radio);
    assert_eq!(p.diagnostics.len(), 1);
    assert!(p.diagnostics[0].message.contains("Broken"));
    assert!(parse_categories("{}").unwrap().is_empty());
    assert!(parse_live_streams("{\"error\":1}", &login, &cats, "ts").is_err());
}

#[test]
fn short_epg_is_decoded() {
    let json = r#"{"epg_listings":[
      {"id":"2","epg_id":"9","title":"TGF0ZSBOZXdz","lang":"en","start":"2024-01-01 01:00:00","end":"2024-01-01 02:00:00","description":"VGhlIGxhdGUgbmV3cy4=","channel_id":"cnn.us","start_timestamp":"1704070800","stop_timestamp":"1704074400"},
      {"id":"1","epg_id":"9","title":"TW9ybmluZw==","lang":"en","description":"","start_timestamp":1704067200,"stop_timestamp":1704070800},
      {"id":"3","title":"Tm8gdGltZXM="}
    ]}"#;
    let e = parse_short_epg(json).unwrap();
    assert_eq!(e.len(), 2);
    assert_eq!(
        (e[0].title.as_str(), e[0].start),
        ("Morning", 1_704_067_200)
    );
    assert_eq!(
        (e[1].title.as_str(), e[1].description.as_str()),
        ("Late News", "The late news.")
    );
    assert!(parse_short_epg("[]").is_err());
}

/// A login pasted as one URL, in the forms providers hand out.
#[test]
fn logins_written_as_urls() {
    let l = XtreamLogin::from_url(
        "http://tv.example:8080/get.php?username=al%20ice&password=p%40ss&type=m3u_plus&output=ts",
    )
    .unwrap();
    assert_eq!(
        (l.server.as_str(), l.username.as_str(), l.password.as_str()),
        ("http://tv.example:8080", "al ice", "p@ss")
    );
    assert_eq!(l.label(), "al ice@tv.example:8080");
    let l =
        XtreamLogin::from_url("HTTPS://tv.example/panel/player_api.php?password=x&username=bob")
            .unwrap();
    assert_eq!(
        (l.server.as_str(), l.username.as_str()),
        ("https://tv.example/panel", "bob")
    );
    let l = XtreamLogin::from_url("xtream://bob:s%3Acret@tv.example:25461/").unwrap();
    assert_eq!(
        (l.server.as_str(), l.username.as_str(), l.password.as_str()),
        ("http://tv.example:25461", "bob", "s:cret")
    );
    let l = XtreamLogin::from_url("xtreams://bob:pw@tv.example").unwrap();
    assert_eq!(l.server, "https://tv.example");
    // Plain playlists, and logins missing a part, are not logins.
    for not in [
        "http://tv.example/playlist.m3u",
        "http://tv.example/get.php?username=bob",
        "http://tv.example/get.php?username=&password=x",
        "/home/me/get.php",
        "xtream://tv.example",
        "",
    ] {
        assert_eq!(XtreamLogin::from_url(not), None, "{not}");
    }
}
