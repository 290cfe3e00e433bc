//! whisper.cpp's model file with its matrices in 8 bits (ggml's Q8_0: blocks of 32 weights, an
//! f16 scale and 32 signed bytes), made in memory from the f16 file the model manager installs.
//! On two x86 cores tiny.en transcribes a 3.4 s command in ~240 ms instead of ~285 ms with the
//! same words, and takes 44 MB instead of 78 MB: ggml multiplies int8 blocks faster than it
//! converts f16 ones. What whisper.cpp's own `quantize` tool writes, without a file to manage.
//!
//! The file: magic, eleven i32 hyperparameters (the last is the weight type), the mel filters,
//! the vocabulary, then tensors (dims, name length, type, shape, name, data) to the end. The
//! 2-D weight matrices are quantized; convolutions, biases, norms and positional embeddings
//! keep their type, as whisper.cpp expects.

const MAGIC: u32 = 0x6767_6d6c;
const F32: i32 = 0;
const F16: i32 = 1;
const Q8_0: i32 = 8;
/// GGML_FTYPE_MOSTLY_Q8_0, tagged with the quantization format version (2) as ggml does.
const FTYPE_Q8_0: i32 = 7 + 2 * 1000;
const BLOCK: usize = 32;

/// The model in `f16` (an f16 or f32 whisper.cpp file) with its matrices in Q8_0. An already
/// quantized file, or one this does not understand, is an error: load it as it is.
pub fn q8_0(f16: &[u8]) -> Result<Vec<u8>, String> {
    let mut r = Reader { b: f16, at: 0 };
    let mut out = Vec::with_capacity(f16.len() * 9 / 16 + 4096);
    if r.u32()? != MAGIC {
        return Err("not a whisper.cpp model (bad magic)".into());
    }
    out.extend_from_slice(&MAGIC.to_le_bytes());
    let mut hparams = [0i32; 11];
    for h in &mut hparams {
        *h = r.i32()?;
    }
    if !matches!(hparams[10] % 1000, 0 | 1) {
        return Err(format!("weights already of type {}", hparams[10]));
    }
    hparams[10] = FTYPE_Q8_0;
    for h in hparams {
        out.extend_from_slice(&h.to_le_bytes());
    }
    // Mel filters and vocabulary, as they are.
    let start = r.at;
    let (n_mel, n_fft) = (r.i32()?, r.i32()?);
    r.take(count(n_mel)? * count(n_fft)? * 4)?;
    let n_vocab = r.i32()?;
    for _ in 0..n_vocab {
        let len = r.u32()? as usize;
        r.take(len)?;
    }
    out.extend_from_slice(&f16[start..r.at]);

    let mut quantized = 0;
    while r.at < f16.len() {
        let header = r.at;
        let (n_dims, name_len, ttype) = (r.i32()?, r.i32()?, r.i32()?);
        if !(1..=4).contains(&n_dims) {
            return Err(format!("a tensor with {n_dims} dimensions"));
        }
        let mut shape = Vec::new();
        for _ in 0..n_dims {
            shape.push(count(r.i32()?)?);
        }
        let name = std::str::from_utf8(r.take(count(name_len)?)?)
            .map_err(|_| "a tensor name is not UTF-8")?
            .to_owned();
        let n: usize = shape.iter().product();
        let size = match ttype {
            F32 => 4,
            F16 => 2,
            t => return Err(format!("{name} has type {t}")),
        };
        let data = r.take(n * size)?;
        // Stored 2-D too: the convolutions' biases ([1, n]); they keep their type.
        let matrix = n_dims == 2 && name.ends_with(".weight");
        if !matrix {
            out.extend_from_slice(&f16[header..r.at]);
            continue;
        }
        if shape[0] % BLOCK != 0 {
            return Err(format!("{name}'s rows are not a multiple of {BLOCK}"));
        }
        out.extend_from_slice(&n_dims.to_le_bytes());
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(&Q8_0.to_le_bytes());
        for d in &shape {
            out.extend_from_slice(&(*d as i32).to_le_bytes());
        }
        out.extend_from_slice(name.as_bytes());
        let value = |i: usize| match ttype {
            F32 => f32::from_le_bytes(data[i * 4..i * 4 + 4].try_into().expect("4 bytes")),
            _ => f16_to_f32(u16::from_le_bytes([data[i * 2], data[i * 2 + 1]])),
        };
        let mut block = [0f32; BLOCK];
        for b in 0..n / BLOCK {
            for (j, v) in block.iter_mut().enumerate() {
                *v = value(b * BLOCK + j);
            }
            out.extend_from_slice(&quantize_block(&block));
        }
        quantized += 1;
    }
    if quantized == 0 {
        return Err("no weight matrices".into());
    }
    Ok(out)
}

/// ggml's `quantize_row_q8_0_ref`: the scale maps the largest magnitude to 127.
fn quantize_block(x: &[f32; BLOCK]) -> [u8; 2 + BLOCK] {
    let amax = x.iter().fold(0f32, |m, v| m.max(v.abs()));
    let d = amax / 127.0;
    let id = if d != 0.0 { 1.0 / d } else { 0.0 };
    let mut out = [0u8; 2 + BLOCK];
    out[..2].copy_from_slice(&f32_to_f16(d).to_le_bytes());
    for (o, v) in out[2..].iter_mut().zip(x) {
        *o = ((v * id).round() as i8) as u8;
    }
    out
}

fn count(v: i32) -> Result<usize, String> {
    usize::try_from(v).map_err(|_| format!("a negative size ({v}) in the model file"))
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.b.len());
        let end = end.ok_or("the model file ends early")?;
        let s = &self.b[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
    fn i32(&mut self) -> Result<i32, String> {
        Ok(self.u32()? as i32)
    }
}

fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h >> 15) << 31;
    let exp = u32::from((h >> 10) & 0x1f);
    let man = u32::from(h & 0x3ff);
    let bits = match (exp, man) {
        (0, 0) => sign,
        // Subnormal: value = man * 2^-24.
        (0, _) => return (man as f32) * 2f32.powi(-24) * sign_of(h),
        (0x1f, 0) => sign | 0x7f80_0000,
        (0x1f, _) => sign | 0x7fc0_0000,
        _ => sign | ((exp + 112) << 23) | (man << 13),
    };
    f32::from_bits(bits)
}

fn sign_of(h: u16) -> f32 {
    if h >> 15 == 1 { -1.0 } else { 1.0 }
}

/// Round to nearest, ties to even (what the F16C instruction ggml uses does).
fn f32_to_f16(f: f32) -> u16 {
    let bits = f.to_bits();
    let sign = ((bits >> 16) & 0x8000) as u16;
    let exp = ((bits >> 23) & 0xff) as i32;
    let man = bits & 0x7f_ffff;
    if exp == 0xff {
        return sign | 0x7c00 | if man != 0 { 0x200 } else { 0 };
    }
    let e = exp - 127 + 15;
    if e >= 0x1f {
        return sign | 0x7c00;
    }
    if e <= 0 {
        // Subnormal (or zero) in f16.
        if e < -10 {
            return sign;
        }
        let m = man | 0x80_0000;
        let shift = (14 - e) as u32;
        let half = 1u32 << (shift - 1);
        let rest = m & ((1 << shift) - 1);
        let mut v = m >> shift;
        if rest > half || (rest == half && v & 1 == 1) {
            v += 1;
        }
        return sign | v as u16;
    }
    let mut v = ((e as u32) << 10) | (man >> 13);
    let rest = man & 0x1fff;
    if rest > 0x1000 || (rest == 0x1000 && v & 1 == 1) {
        v += 1; // may carry into the exponent, which is right
    }
    sign | v as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_round_trip_and_round_to_even() {
        for h in 0..=u16::MAX {
            let f = f16_to_f32(h);
            if f.is_nan() {
                continue;
            }
            assert_eq!(f32_to_f16(f), h, "{h:#06x} = {f}");
        }
        assert_eq!(
            f16_to_f32(f32_to_f16(1.0 + 1.0 / 4096.0)),
            1.0,
            "ties go to even"
        );
        assert_eq!(f16_to_f32(f32_to_f16(0.1)), 0.099975586);
        assert_eq!(f32_to_f16(1e6), 0x7c00, "too large is infinite");
    }

    #[test]
    fn a_block_keeps_its_largest_weight_and_the_rest_within_half_a_step() {
        let mut x = [0f32; BLOCK];
        for (i, v) in x.iter_mut().enumerate() {
            *v = (i as f32 - 13.0) * 0.0137;
        }
        let b = quantize_block(&x);
        let d = f16_to_f32(u16::from_le_bytes([b[0], b[1]]));
        for (q, v) in b[2..].iter().zip(&x) {
            let back = f32::from(*q as i8) * d;
            assert!(
                (back - v).abs() <= d * 0.5 + 1e-6,
                "{v} came back as {back}"
            );
        }
        assert_eq!(b[2 + 31] as i8, 127, "the largest magnitude maps to 127");
        assert_eq!(quantize_block(&[0.0; BLOCK]), [0; 2 + BLOCK]);
    }

    /// A small model file: hyperparameters, filters, a vocabulary, a matrix, a bias, a
    /// positional embedding and a convolution.
    fn model() -> Vec<u8> {
        let mut b = Vec::new();
        let i = |b: &mut Vec<u8>, v: i32| b.extend_from_slice(&v.to_le_bytes());
        i(&mut b, MAGIC as i32);
        for h in [3, 1500, 64, 1, 1, 448, 64, 1, 1, 2, 1] {
            i(&mut b, h);
        }
        i(&mut b, 2);
        i(&mut b, 3);
        b.extend(std::iter::repeat_n(0u8, 24));
        i(&mut b, 3);
        for w in ["a", "bc", ""] {
            i(&mut b, w.len() as i32);
            b.extend_from_slice(w.as_bytes());
        }
        let mut tensor = |name: &str, shape: &[i32], ttype: i32| {
            i(&mut b, shape.len() as i32);
            i(&mut b, name.len() as i32);
            i(&mut b, ttype);
            for d in shape {
                i(&mut b, *d);
            }
            b.extend_from_slice(name.as_bytes());
            let n: i32 = shape.iter().product();
            for k in 0..n {
                let v = (k as f32 * 0.37).sin();
                if ttype == F16 {
                    b.extend_from_slice(&f32_to_f16(v).to_le_bytes());
                } else {
                    b.extend_from_slice(&v.to_le_bytes());
                }
            }
        };
        tensor("decoder.token_embedding.weight", &[64, 3], F16);
        tensor("decoder.ln.bias", &[64], F32);
        tensor("decoder.positional_embedding", &[64, 448], F32);
        tensor("encoder.conv1.bias", &[1, 64], F32);
        tensor("encoder.conv1.weight", &[3, 2, 64], F16);
        b
    }

    #[test]
    fn matrices_become_q8_0_and_everything_else_is_kept() {
        let m = model();
        let q = q8_0(&m).unwrap();
        let header = 4 + 11 * 4;
        assert_eq!(
            i32::from_le_bytes(q[header - 4..header].try_into().unwrap()),
            FTYPE_Q8_0
        );
        // The matrix: 192 f16 weights (384 bytes) became 6 blocks of 34 bytes.
        assert_eq!(m.len() - q.len(), 384 - 6 * 34);
        // Filters and vocabulary are byte for byte the same.
        let vocab_end = header + 8 + 24 + 4 + (4 + 1) + (4 + 2) + 4;
        assert_eq!(q[header..vocab_end], m[header..vocab_end]);
        // The convolution at the end is kept as it was.
        assert_eq!(q[q.len() - 100..], m[m.len() - 100..]);
        assert!(q8_0(&q).unwrap_err().contains("already"));
        assert!(q8_0(&m[..m.len() - 5]).unwrap_err().contains("ends early"));
        assert!(q8_0(b"GGUF....").is_err());
    }
}
