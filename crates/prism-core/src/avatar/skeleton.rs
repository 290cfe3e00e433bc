//! The node tree of an avatar in its rest pose, read from the glTF JSON, and world (model-space)
//! matrices computed from any set of local transforms. The spring-bone simulation and the tests
//! use it; the app has Bevy's transforms but the same node indices.

use glam::{Affine3A, Mat4, Quat, Vec3};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Local {
    pub translation: Vec3,
    pub rotation: Quat,
    pub scale: Vec3,
}

impl Local {
    pub const IDENTITY: Local = Local {
        translation: Vec3::ZERO,
        rotation: Quat::IDENTITY,
        scale: Vec3::ONE,
    };

    pub fn affine(&self) -> Affine3A {
        Affine3A::from_scale_rotation_translation(self.scale, self.rotation, self.translation)
    }
}

#[derive(Debug, Clone)]
pub struct Skeleton {
    pub names: Vec<String>,
    pub parent: Vec<Option<usize>>,
    pub rest: Vec<Local>,
    /// Nodes ordered so that every parent comes before its children.
    pub order: Vec<usize>,
}

impl Skeleton {
    pub fn from_json(json: &Value) -> Skeleton {
        let nodes = json["nodes"].as_array().map(Vec::as_slice).unwrap_or(&[]);
        let n = nodes.len();
        let mut parent = vec![None; n];
        let mut rest = vec![Local::IDENTITY; n];
        let mut names = Vec::with_capacity(n);
        for (i, node) in nodes.iter().enumerate() {
            names.push(node["name"].as_str().unwrap_or_default().to_owned());
            for c in node["children"].as_array().into_iter().flatten() {
                if let Some(c) = c.as_u64().map(|c| c as usize).filter(|&c| c < n) {
                    parent[c] = Some(i);
                }
            }
            let f = |v: &Value, d: &[f32]| -> Vec<f32> {
                match v.as_array() {
                    Some(a) => a.iter().map(|x| x.as_f64().unwrap_or(0.0) as f32).collect(),
                    None => d.to_vec(),
                }
            };
            rest[i] = if node["matrix"].is_array() {
                let m = f(&node["matrix"], &[0.0; 16]);
                let m = Mat4::from_cols_slice(&m);
                let (s, r, t) = m.to_scale_rotation_translation();
                Local {
                    translation: t,
                    rotation: r,
                    scale: s,
                }
            } else {
                let t = f(&node["translation"], &[0.0; 3]);
                let r = f(&node["rotation"], &[0.0, 0.0, 0.0, 1.0]);
                let s = f(&node["scale"], &[1.0; 3]);
                Local {
                    translation: Vec3::new(t[0], t[1], t[2]),
                    rotation: Quat::from_xyzw(r[0], r[1], r[2], r[3]).normalize(),
                    scale: Vec3::new(s[0], s[1], s[2]),
                }
            };
        }
        let mut order = Vec::with_capacity(n);
        let mut stack: Vec<usize> = (0..n).filter(|&i| parent[i].is_none()).collect();
        stack.reverse();
        let children = |p: usize| {
            nodes[p]["children"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c.as_u64().map(|c| c as usize))
                .filter(|&c| c < n)
                .collect::<Vec<_>>()
        };
        let mut seen = vec![false; n];
        while let Some(i) = stack.pop() {
            if std::mem::replace(&mut seen[i], true) {
                continue; // a malformed file with a cycle or a shared child
            }
            order.push(i);
            stack.extend(children(i).into_iter().rev());
        }
        Skeleton {
            names,
            parent,
            rest,
            order,
        }
    }

    /// Model-space matrices for the given local transforms (one per node).
    pub fn world(&self, locals: &[Local]) -> Vec<Affine3A> {
        let mut w = vec![Affine3A::IDENTITY; locals.len()];
        for &i in &self.order {
            let l = locals[i].affine();
            w[i] = match self.parent[i] {
                Some(p) => w[p] * l,
                None => l,
            };
        }
        w
    }

    pub fn children(&self, node: usize) -> impl Iterator<Item = usize> + '_ {
        self.parent
            .iter()
            .enumerate()
            .filter(move |(_, p)| **p == Some(node))
            .map(|(i, _)| i)
    }
}
