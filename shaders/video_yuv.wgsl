// Planar YUV (I420, or NV12's interleaved chroma) to RGB for the TV picture, on the GPU.
// The decoder's planes are uploaded untouched (one R8 texture per plane, RG8 for NV12 chroma);
// this shader expands limited range (16-235 / 16-240) and applies the BT.601 or BT.709 matrix.
// Output is sRGB-encoded video, so it is linearised before the (sRGB) render target re-encodes it.
#import bevy_ui::ui_vertex_output::UiVertexOutput

struct VideoParams {
    // x: 0 = BT.601, 1 = BT.709; y: 1 = full range; z: 1 = NV12; w: 1 = a frame is present
    mode: vec4<f32>,
    // Letterbox: the picture's rectangle inside the node, in UV (x0, y0, x1, y1).
    rect: vec4<f32>,
}

@group(1) @binding(0) var<uniform> params: VideoParams;
@group(1) @binding(1) var y_tex: texture_2d<f32>;
@group(1) @binding(2) var u_tex: texture_2d<f32>;
@group(1) @binding(3) var v_tex: texture_2d<f32>;
@group(1) @binding(4) var samp: sampler;

fn srgb_to_linear(c: vec3<f32>) -> vec3<f32> {
    let lo = c / 12.92;
    let hi = pow((c + 0.055) / 1.055, vec3<f32>(2.4));
    return select(hi, lo, c <= vec3<f32>(0.04045));
}

@fragment
fn fragment(in: UiVertexOutput) -> @location(0) vec4<f32> {
    let r = params.rect;
    if params.mode.w < 0.5 || in.uv.x < r.x || in.uv.x > r.z || in.uv.y < r.y || in.uv.y > r.w {
        return vec4<f32>(0.0, 0.0, 0.0, 1.0);
    }
    let uv = (in.uv - r.xy) / (r.zw - r.xy);
    var y = textureSample(y_tex, samp, uv).r;
    var u: f32;
    var v: f32;
    if params.mode.z > 0.5 {
        let uv2 = textureSample(u_tex, samp, uv).rg;
        u = uv2.x;
        v = uv2.y;
    } else {
        u = textureSample(u_tex, samp, uv).r;
        v = textureSample(v_tex, samp, uv).r;
    }
    if params.mode.y < 0.5 {
        y = (y - 16.0 / 255.0) * (255.0 / 219.0);
        u = (u - 16.0 / 255.0) * (255.0 / 224.0);
        v = (v - 16.0 / 255.0) * (255.0 / 224.0);
    }
    u = u - 0.5;
    v = v - 0.5;
    var rgb: vec3<f32>;
    if params.mode.x > 0.5 {
        // BT.709
        rgb = vec3<f32>(y + 1.5748 * v, y - 0.1873 * u - 0.4681 * v, y + 1.8556 * u);
    } else {
        // BT.601
        rgb = vec3<f32>(y + 1.402 * v, y - 0.344136 * u - 0.714136 * v, y + 1.772 * u);
    }
    return vec4<f32>(srgb_to_linear(clamp(rgb, vec3<f32>(0.0), vec3<f32>(1.0))), 1.0);
}
