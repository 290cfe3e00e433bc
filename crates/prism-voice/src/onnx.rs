//! Just enough protobuf to add a graph output to an ONNX model. Piper's VITS graphs compute each
//! phoneme's length (the duration predictor's `Ceil`, in hops of the vocoder) but do not
//! output it; exposing that tensor gives the lip-sync the voice's own timing. The model is
//! rewritten in memory when the voice loads: nothing else in the file changes.

/// Reads a varint at `*i`.
fn varint(b: &[u8], i: &mut usize) -> Result<u64, String> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(*i).ok_or("truncated varint")?;
        *i += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return Ok(v);
        }
    }
    Err("varint too long".into())
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// One field: its number, wire type, the whole encoded field, and its payload (for
/// length-delimited fields).
struct Field<'a> {
    number: u64,
    raw: &'a [u8],
    payload: &'a [u8],
}

fn fields(b: &[u8]) -> Result<Vec<Field<'_>>, String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let key = varint(b, &mut i)?;
        let (number, wire) = (key >> 3, key & 7);
        let payload_start;
        match wire {
            0 => {
                varint(b, &mut i)?;
                payload_start = i;
            }
            1 => {
                payload_start = i;
                i += 8;
            }
            2 => {
                let len = varint(b, &mut i)? as usize;
                payload_start = i;
                i = i.checked_add(len).ok_or("length overflow")?;
            }
            5 => {
                payload_start = i;
                i += 4;
            }
            w => return Err(format!("unsupported wire type {w}")),
        }
        if i > b.len() {
            return Err("truncated field".into());
        }
        out.push(Field {
            number,
            raw: &b[start..i],
            payload: if wire == 2 { &b[payload_start..i] } else { &[] },
        });
    }
    Ok(out)
}

fn put_bytes(out: &mut Vec<u8>, number: u64, payload: &[u8]) {
    put_varint(out, (number << 3) | 2);
    put_varint(out, payload.len() as u64);
    out.extend_from_slice(payload);
}

// ONNX field numbers (onnx.proto3).
const MODEL_GRAPH: u64 = 7;
const GRAPH_NODE: u64 = 1;
const GRAPH_OUTPUT: u64 = 12;
const NODE_OUTPUT: u64 = 2;
const NODE_OP_TYPE: u64 = 4;
const FLOAT: u64 = 1;

/// The model with the first output of the first `op_type` node added as a float graph output,
/// and that output's name.
pub fn expose_output(model: &[u8], op_type: &str) -> Result<(Vec<u8>, String), String> {
    let top = fields(model)?;
    let graph = top
        .iter()
        .find(|f| f.number == MODEL_GRAPH)
        .ok_or("no graph in the model")?;
    let mut name = None;
    for f in fields(graph.payload)? {
        if f.number != GRAPH_NODE {
            continue;
        }
        let node = fields(f.payload)?;
        if node
            .iter()
            .any(|x| x.number == NODE_OP_TYPE && x.payload == op_type.as_bytes())
        {
            name = node
                .iter()
                .find(|x| x.number == NODE_OUTPUT)
                .map(|x| String::from_utf8_lossy(x.payload).into_owned());
            break;
        }
    }
    let name = name.ok_or_else(|| format!("no {op_type} node in the graph"))?;
    // ValueInfoProto { name = 1, type = 2: TypeProto { tensor_type = 1: { elem_type = 1 } } }
    let mut elem = Vec::new();
    put_varint(&mut elem, 1 << 3);
    put_varint(&mut elem, FLOAT);
    let mut ty = Vec::new();
    put_bytes(&mut ty, 1, &elem);
    let mut info = Vec::new();
    put_bytes(&mut info, 1, name.as_bytes());
    put_bytes(&mut info, 2, &ty);
    let mut new_graph = graph.payload.to_vec();
    put_bytes(&mut new_graph, GRAPH_OUTPUT, &info);
    let mut out = Vec::with_capacity(model.len() + info.len() + 16);
    for f in &top {
        if f.number == MODEL_GRAPH {
            put_bytes(&mut out, MODEL_GRAPH, &new_graph);
        } else {
            out.extend_from_slice(f.raw);
        }
    }
    Ok((out, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A model with one graph holding two nodes (Relu, Ceil) and one output.
    fn tiny() -> Vec<u8> {
        let node = |op: &str, out: &str| {
            let mut n = Vec::new();
            put_bytes(&mut n, 1, b"x");
            put_bytes(&mut n, NODE_OUTPUT, out.as_bytes());
            put_bytes(&mut n, NODE_OP_TYPE, op.as_bytes());
            n
        };
        let mut g = Vec::new();
        put_bytes(&mut g, GRAPH_NODE, &node("Relu", "r"));
        put_bytes(&mut g, GRAPH_NODE, &node("Ceil", "c"));
        let mut out_info = Vec::new();
        put_bytes(&mut out_info, 1, b"y");
        put_bytes(&mut g, GRAPH_OUTPUT, &out_info);
        let mut m = Vec::new();
        put_varint(&mut m, 1 << 3); // ir_version = 1: 8
        put_varint(&mut m, 8);
        put_bytes(&mut m, MODEL_GRAPH, &g);
        m
    }

    #[test]
    fn the_ceil_output_becomes_a_graph_output() {
        let (m, name) = expose_output(&tiny(), "Ceil").unwrap();
        assert_eq!(name, "c");
        let top = fields(&m).unwrap();
        assert_eq!(top[0].raw, [8, 8], "other fields are copied as they were");
        let g = top.iter().find(|f| f.number == MODEL_GRAPH).unwrap();
        let outputs: Vec<String> = fields(g.payload)
            .unwrap()
            .iter()
            .filter(|f| f.number == GRAPH_OUTPUT)
            .map(|f| {
                let n = fields(f.payload).unwrap();
                String::from_utf8_lossy(n[0].payload).into_owned()
            })
            .collect();
        assert_eq!(outputs, ["y", "c"]);
        assert!(expose_output(&tiny(), "Softmax").is_err());
        assert!(
            expose_output(b"\x3a\xff", "Ceil").is_err(),
            "truncated input is an error"
        );
    }
}
