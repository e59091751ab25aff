//! Chat-window graphics: custom header and sidebar images in slots, at most one slot active,
//! and the shipped default images. Also the image decoding every upload goes through (the
//! custom buttons use it too): bounded, off the async runtime, refused with a clear 4xx.
//!
//! Uploads are resized to cover the target and centre-cropped: the whole 290x80 (or 90x367)
//! area is filled with no letterbox bars, and what sticks out of the target's aspect ratio is
//! cut evenly from both sides. The crop is taken from the original before scaling, so a very
//! thin image never inflates into a huge intermediate. EXIF orientation is applied; an
//! animated GIF contributes its first frame. The result is stored as PNG.

use std::io::Cursor;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CACHE_CONTROL};
use hyper::{Request, StatusCode};
use image::codecs::png::PngEncoder;
use image::error::LimitErrorKind;
use image::imageops::{self, FilterType};
use image::metadata::Orientation;
use image::{
    DynamicImage, ExtendedColorType, ImageDecoder, ImageEncoder, ImageError, ImageFormat,
    ImageReader, Limits, RgbaImage,
};
use switchboard_engine::assets::{GraphicsPart, GraphicsSlot};
use switchboard_engine::model::TenantId;
use switchboard_engine::Error;
use tokio::sync::Semaphore;

use super::{account, admin, json, read_upload, respond, Reply};
use crate::api;
use crate::error::ApiError;
use crate::server::App;

/// Widest and tallest image decoded, in pixels. Four times a large phone photo's shorter
/// side; the targets are at most 367 pixels, so nothing bigger is needed for quality.
pub(super) const MAX_IMAGE_SIDE: u32 = 4096;

/// Most memory one decoder may hold at once: a 4096x4096 RGBA image at 8 bits per channel.
/// A small file claiming more (a decompression bomb) is refused before anything is allocated.
pub(super) const MAX_DECODE_BYTES: u64 = 64 * 1024 * 1024;

/// Decodes running at once, server-wide. Each may hold `MAX_DECODE_BYTES` plus a converted
/// copy, so this bounds the memory uploads can take whatever the number of admins uploading.
const MAX_CONCURRENT_DECODES: usize = 2;

/// The formats an image upload may have.
const ACCEPTED: [ImageFormat; 3] = [ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::Gif];

/// Permits for [`MAX_CONCURRENT_DECODES`].
static DECODES: Semaphore = Semaphore::const_new(MAX_CONCURRENT_DECODES);

/// The decoder limits every upload is read under.
pub(super) fn decode_limits() -> Limits {
    // `Limits` is non-exhaustive: start from the defaults and tighten.
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    limits
}

/// 400 `image_too_large`.
pub(super) fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "image_too_large",
        format!(
            "the image is larger than {MAX_IMAGE_SIDE}x{MAX_IMAGE_SIDE} pixels or needs more \
             than {} MiB to decode",
            MAX_DECODE_BYTES / (1024 * 1024)
        ),
    )
}

/// 415 `not_an_image`.
fn not_an_image() -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "not_an_image",
        "the upload is not an image in an accepted format: send a PNG, JPEG or GIF",
    )
}

/// The 4xx answer for a decoder's refusal.
pub(super) fn refusal(error: ImageError) -> ApiError {
    match error {
        ImageError::Limits(l) if matches!(l.kind(), LimitErrorKind::Unsupported { .. }) => {
            // Our own limits are ones every built-in decoder supports: this is a bug.
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                format!("the image decoder refused its limits: {l}"),
            )
        }
        ImageError::Limits(_) => too_large(),
        ImageError::Unsupported(e) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "not_an_image",
            format!("this image cannot be read ({e}): send a PNG, JPEG or GIF"),
        ),
        other => ApiError::new(
            StatusCode::BAD_REQUEST,
            "image_corrupt",
            format!("the image is damaged or incomplete: {other}"),
        ),
    }
}

/// Runs `work` (decoding, encoding) on a blocking thread, never on the runtime's core threads
/// or an actor thread, and at most [`MAX_CONCURRENT_DECODES`] at a time.
pub(super) async fn off_thread<T, F>(work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
{
    let permit = DECODES
        .acquire()
        .await
        .map_err(|_| ApiError::from(Error::Unavailable))?;
    let outcome = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work()
    })
    .await;
    outcome.map_err(|e| Error::Internal(format!("image work failed: {e}")))?
}

/// The source rectangle `(x, y, width, height)` to scale to `target` so it covers the target
/// exactly: the largest centred area of `source` with the target's aspect ratio.
fn cover_crop(source: (u32, u32), target: (u32, u32)) -> (u32, u32, u32, u32) {
    let (sw, sh) = (u64::from(source.0), u64::from(source.1));
    let (tw, th) = (u64::from(target.0), u64::from(target.1));
    if sw * th > tw * sh {
        // Wider than the target: keep the full height, cut the sides.
        let w = ((sh * tw + th / 2) / th).clamp(1, sw);
        ((sw - w) as u32 / 2, 0, w as u32, sh as u32)
    } else {
        // Taller (or the same shape): keep the full width, cut top and bottom.
        let h = ((sw * th + tw / 2) / tw).clamp(1, sh);
        (0, (sh - h) as u32 / 2, sw as u32, h as u32)
    }
}

/// Decodes a PNG, JPEG or GIF (the format read from the bytes, not from any header) under
/// [`decode_limits`].
fn decode(bytes: &[u8]) -> Result<DynamicImage, ApiError> {
    let format = image::guess_format(bytes)
        .ok()
        .filter(|f| ACCEPTED.contains(f))
        .ok_or_else(not_an_image)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(decode_limits());
    // Checks the dimensions against the limits before any pixel is read.
    let mut decoder = reader.into_decoder().map_err(refusal)?;
    // The output buffer counts against the allocation limit too.
    decode_limits()
        .reserve(decoder.total_bytes())
        .map_err(refusal)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(refusal)?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// Encodes `image` as PNG, without the alpha channel when every pixel is opaque.
fn encode_png(image: &RgbaImage) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::new();
    let (w, h) = image.dimensions();
    let opaque = image.pixels().all(|p| p.0[3] == u8::MAX);
    let result = if opaque {
        let rgb = DynamicImage::ImageRgba8(image.clone()).into_rgb8();
        PngEncoder::new(&mut out).write_image(rgb.as_raw(), w, h, ExtendedColorType::Rgb8)
    } else {
        PngEncoder::new(&mut out).write_image(image.as_raw(), w, h, ExtendedColorType::Rgba8)
    };
    result.map_err(|e| Error::Internal(format!("PNG encoding failed: {e}")))?;
    Ok(out)
}

/// An uploaded image, decoded under the limits and resized to exactly `target` (cover and
/// centre-crop), as PNG. Blocking: call it through [`off_thread`].
pub(super) fn fit_image(bytes: &[u8], target: (u32, u32)) -> Result<Vec<u8>, ApiError> {
    let image = decode(bytes)?.into_rgba8();
    let (x, y, w, h) = cover_crop(image.dimensions(), target);
    let area = imageops::crop_imm(&image, x, y, w, h);
    // Triangle widens with the scale factor, so large reductions average every source pixel.
    let fitted = imageops::resize(&*area, target.0, target.1, FilterType::Triangle);
    encode_png(&fitted)
}

/// Linear mix of two colours, `t` in 0..=1.
fn mix(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [0, 1, 2].map(|i| a[i] + (b[i] - a[i]) * t)
}

/// A soft gradient with a few translucent chat bubbles: the default header and sidebar.
/// `bubbles` are (centre x, centre y, radius, opacity).
fn render_default(size: (u32, u32), bubbles: &[(f32, f32, f32, f32)]) -> Vec<u8> {
    /// Deep blue to teal, the product's calm default look.
    const FROM: [f32; 3] = [29.0, 78.0, 137.0];
    const TO: [f32; 3] = [42.0, 157.0, 143.0];
    let (w, h) = size;
    let image = RgbaImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
        // Diagonal along the longer side, so both shapes read the same way.
        let t = if w >= h {
            (fx / w as f32) * 0.85 + (fy / h as f32) * 0.15
        } else {
            (fy / h as f32) * 0.85 + (fx / w as f32) * 0.15
        };
        let mut c = mix(FROM, TO, t);
        for &(cx, cy, r, opacity) in bubbles {
            let d = ((fx - cx).powi(2) + (fy - cy).powi(2)).sqrt();
            // One pixel of anti-aliased edge.
            let cover = (r - d + 0.5).clamp(0.0, 1.0) * opacity;
            c = mix(c, [255.0; 3], cover);
        }
        image::Rgba([c[0] as u8, c[1] as u8, c[2] as u8, u8::MAX])
    });
    encode_png(&image).expect("encoding a small in-memory RGBA image cannot fail")
}

/// The default image of `part`, rendered once.
fn default_image(part: GraphicsPart) -> Bytes {
    static HEADER: OnceLock<Bytes> = OnceLock::new();
    static SIDEBAR: OnceLock<Bytes> = OnceLock::new();
    let (cell, bubbles): (_, &[(f32, f32, f32, f32)]) = match part {
        GraphicsPart::Header => (
            &HEADER,
            &[
                (236.0, 34.0, 21.0, 0.14),
                (264.0, 56.0, 12.0, 0.10),
                (208.0, 60.0, 7.0, 0.08),
            ],
        ),
        GraphicsPart::Sidebar => (
            &SIDEBAR,
            &[
                (44.0, 300.0, 26.0, 0.14),
                (66.0, 338.0, 13.0, 0.10),
                (24.0, 256.0, 8.0, 0.08),
            ],
        ),
    };
    cell.get_or_init(|| Bytes::from(render_default(part.size(), bubbles)))
        .clone()
}

fn slot_wire(s: &GraphicsSlot, active: Option<u64>) -> api::GraphicsSlot {
    api::GraphicsSlot {
        id: s.id,
        header: s.header.is_some(),
        sidebar: s.sidebar.is_some(),
        active: active == Some(s.id),
        created_at: s.created_at,
    }
}

/// The company's active slot, as its tenant actor holds it.
async fn active_slot(app: &App, tenant: TenantId) -> Result<Option<u64>, ApiError> {
    let snapshot = app.engine.view(tenant)?;
    Ok(snapshot.tenant.window.active_graphics)
}

fn part_of(name: &str) -> Result<GraphicsPart, ApiError> {
    GraphicsPart::parse(name).ok_or_else(|| {
        ApiError::invalid(
            "part",
            format!("\"{name}\" is not an image of a slot: use header or sidebar"),
        )
    })
}

/// `GET /v1/chat-window/graphics`: every slot, oldest first.
pub async fn list(app: &Arc<App>, req: Request<Incoming>) -> Reply {
    let (tenant, _) = account(app, &req)?;
    let active = active_slot(app, tenant).await?;
    let slots: Vec<api::GraphicsSlot> = app
        .engine
        .graphics_slots(tenant)?
        .iter()
        .map(|s| slot_wire(s, active))
        .collect();
    json(StatusCode::OK, &slots)
}

/// `POST /v1/chat-window/graphics`: a new empty slot (201).
pub async fn create_slot(app: &Arc<App>, req: Request<Incoming>) -> Reply {
    let (tenant, _) = admin(app, &req)?;
    let slot = app.engine.create_slot(tenant).await?;
    json(StatusCode::CREATED, &slot_wire(&slot, None))
}

/// `PUT /v1/chat-window/graphics/{id}/{header|sidebar}`: the raw image as the body. The slot
/// keeps its old image unless the new one decodes.
pub async fn upload(app: &Arc<App>, req: Request<Incoming>, id: u64, part: &str) -> Reply {
    let (tenant, _) = admin(app, &req)?;
    let part = part_of(part)?;
    // Refuse an unknown slot before reading the upload.
    app.engine.graphics_slot(tenant, id)?;
    let bytes = read_upload(app, req).await?;
    let png = off_thread(move || fit_image(&bytes, part.size())).await?;
    let slot = app.engine.save_slot_image(tenant, id, part, png).await?;
    let active = active_slot(app, tenant).await?;
    json(StatusCode::OK, &slot_wire(&slot, active))
}

/// `POST /v1/chat-window/graphics/{id|default}/activate`: `default` shows the default images.
pub async fn activate(app: &Arc<App>, req: Request<Incoming>, id: &str) -> Reply {
    let (tenant, _) = admin(app, &req)?;
    let slot = match id {
        "default" => None,
        _ => Some(id.parse().map_err(|_| {
            ApiError::invalid("id", format!("\"{id}\" is not a slot id or \"default\""))
        })?),
    };
    app.engine.activate_slot(tenant, slot).await?;
    json(StatusCode::OK, &serde_json::json!({ "active": slot }))
}

/// `DELETE /v1/chat-window/graphics/{id}`: deleting the active slot brings back the defaults.
pub async fn delete(app: &Arc<App>, req: Request<Incoming>, id: u64) -> Reply {
    let (tenant, _) = admin(app, &req)?;
    app.engine.delete_slot(tenant, id).await?;
    json(StatusCode::OK, &serde_json::json!({ "deleted": id }))
}

/// `GET /graphics/{key}/{header|sidebar}`: the active slot's image, or the default.
pub async fn image(app: &Arc<App>, key: &str, part: &str) -> Reply {
    let part = part_of(part)?;
    let tenant = app.engine.tenant_by_key(key)?;
    let body = match app.engine.active_graphics_image(tenant, part)? {
        Some(png) => Bytes::from(png),
        None => default_image(part),
    };
    let mut response = respond(StatusCode::OK, "image/png", body);
    // The active slot can change at any time: browsers must check before reusing a copy.
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::codecs::gif::GifEncoder;
    use image::codecs::jpeg::JpegEncoder;
    use image::{Frame, Rgba};

    /// A test picture: a colour ramp, so the crop and scale have something to work on.
    fn picture(w: u32, h: u32) -> RgbaImage {
        RgbaImage::from_fn(w, h, |x, y| {
            Rgba([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8, 255])
        })
    }

    pub(crate) fn png(w: u32, h: u32) -> Vec<u8> {
        let mut out = Vec::new();
        PngEncoder::new(&mut out)
            .write_image(picture(w, h).as_raw(), w, h, ExtendedColorType::Rgba8)
            .unwrap();
        out
    }

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let rgb = DynamicImage::ImageRgba8(picture(w, h)).into_rgb8();
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 85)
            .write_image(rgb.as_raw(), w, h, ExtendedColorType::Rgb8)
            .unwrap();
        out
    }

    pub(crate) fn gif(w: u32, h: u32, frames: usize) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut encoder = GifEncoder::new(&mut out);
            for _ in 0..frames {
                encoder.encode_frame(Frame::new(picture(w, h))).unwrap();
            }
        }
        out
    }

    /// A PNG that is only a signature and an IHDR chunk claiming `w` x `h` RGBA pixels at
    /// `depth` bits: what a decompression bomb shows a decoder first.
    pub(crate) fn png_header_claiming(w: u32, h: u32, depth: u8) -> Vec<u8> {
        fn crc32(data: &[u8]) -> u32 {
            let mut crc = !0u32;
            for &byte in data {
                crc ^= u32::from(byte);
                for _ in 0..8 {
                    crc = if crc & 1 == 1 {
                        (crc >> 1) ^ 0xEDB8_8320
                    } else {
                        crc >> 1
                    };
                }
            }
            !crc
        }
        let mut chunk = b"IHDR".to_vec();
        chunk.extend(w.to_be_bytes());
        chunk.extend(h.to_be_bytes());
        chunk.extend([depth, 6, 0, 0, 0]);
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        out.extend(13u32.to_be_bytes());
        out.extend(&chunk);
        out.extend(crc32(&chunk).to_be_bytes());
        // A little deflate data so the decoder has something to start on.
        let idat = b"IDAT\x78\x9c\x63\x00\x00\x00\x01\x00\x01";
        out.extend(((idat.len() - 4) as u32).to_be_bytes());
        out.extend(idat);
        out.extend(crc32(idat).to_be_bytes());
        out
    }

    fn dimensions_of_stored(png: &[u8]) -> (u32, u32) {
        assert_eq!(image::guess_format(png).unwrap(), ImageFormat::Png);
        let image = image::load_from_memory_with_format(png, ImageFormat::Png).unwrap();
        (image.width(), image.height())
    }

    #[test]
    fn every_format_and_shape_is_resized_to_exactly_the_target() {
        let inputs: Vec<(&str, Vec<u8>)> = vec![
            ("png square", png(300, 300)),
            ("png wide", png(1000, 50)),
            ("png tall", png(40, 900)),
            ("png tiny", png(1, 1)),
            ("png one pixel wide", png(1, 4096)),
            ("jpeg landscape", jpeg(640, 480)),
            ("jpeg portrait", jpeg(120, 500)),
            ("gif small", gif(29, 8, 1)),
            ("gif animated", gif(200, 150, 3)),
        ];
        for (name, bytes) in inputs {
            for part in [GraphicsPart::Header, GraphicsPart::Sidebar] {
                let stored = fit_image(&bytes, part.size())
                    .unwrap_or_else(|e| panic!("{name}: refused with {}", e.body()));
                assert_eq!(
                    dimensions_of_stored(&stored),
                    part.size(),
                    "{name} {part:?}"
                );
            }
        }
    }

    #[test]
    fn the_crop_is_centred_and_keeps_the_target_shape() {
        // 2000x80 into 290x80: keep the full height, cut the sides evenly.
        assert_eq!(cover_crop((2000, 80), (290, 80)), (855, 0, 290, 80));
        // 290x800 into 290x80: keep the full width, cut top and bottom evenly.
        assert_eq!(cover_crop((290, 800), (290, 80)), (0, 360, 290, 80));
        // Same shape: everything is kept.
        assert_eq!(cover_crop((580, 160), (290, 80)), (0, 0, 580, 160));
        // Thin sources still give a non-empty area.
        assert_eq!(cover_crop((1, 4096), (290, 80)), (0, 2047, 1, 1));
        assert_eq!(cover_crop((4096, 1), (90, 367)), (2047, 0, 1, 1));
    }

    #[test]
    fn the_picture_is_centred_not_squashed() {
        // Left third red, middle third green, right third blue: a header keeps the middle.
        let bands = RgbaImage::from_fn(900, 80, |x, _| match x / 300 {
            0 => Rgba([255, 0, 0, 255]),
            1 => Rgba([0, 255, 0, 255]),
            _ => Rgba([0, 0, 255, 255]),
        });
        let mut bytes = Vec::new();
        PngEncoder::new(&mut bytes)
            .write_image(bands.as_raw(), 900, 80, ExtendedColorType::Rgba8)
            .unwrap();
        let stored = fit_image(&bytes, (290, 80)).unwrap();
        let out = image::load_from_memory(&stored).unwrap().into_rgb8();
        for x in [5, 145, 284] {
            assert_eq!(out.get_pixel(x, 40).0, [0, 255, 0], "pixel {x}");
        }
    }

    #[test]
    fn a_decompression_bomb_is_refused_before_it_is_decoded() {
        let bomb = png_header_claiming(100_000, 100_000, 8);
        let error = fit_image(&bomb, (290, 80)).unwrap_err();
        assert_eq!(error.status, StatusCode::BAD_REQUEST);
        assert_eq!(error.code, "image_too_large");

        // Within the side limit, but 4096x4096 at 16 bits per channel is 128 MiB.
        let wide_pixels = png_header_claiming(4096, 4096, 16);
        assert_eq!(
            fit_image(&wide_pixels, (290, 80)).unwrap_err().code,
            "image_too_large"
        );
        // One side over the limit.
        assert_eq!(
            fit_image(&png_header_claiming(4097, 10, 8), (290, 80))
                .unwrap_err()
                .code,
            "image_too_large"
        );
    }

    #[test]
    fn random_bytes_and_unaccepted_formats_are_not_images() {
        // A fixed xorshift sequence: random-looking and the same on every run.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let noise: Vec<u8> = (0..4096)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        for (name, bytes) in [
            ("noise", noise),
            ("empty", Vec::new()),
            ("text", b"<html>hello</html>".to_vec()),
            (
                "bmp",
                b"BM\x36\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00".to_vec(),
            ),
        ] {
            let error = fit_image(&bytes, (290, 80)).unwrap_err();
            assert_eq!(error.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{name}");
            assert_eq!(error.code, "not_an_image", "{name}");
            assert!(error.message.contains("PNG, JPEG or GIF"), "{name}");
        }
    }

    #[test]
    fn a_truncated_image_is_refused_as_corrupt() {
        let whole = png(300, 300);
        let error = fit_image(&whole[..whole.len() / 2], (290, 80)).unwrap_err();
        assert_eq!(error.status, StatusCode::BAD_REQUEST);
        assert_eq!(error.code, "image_corrupt");
    }

    #[test]
    fn the_defaults_have_the_exact_sizes() {
        for part in [GraphicsPart::Header, GraphicsPart::Sidebar] {
            assert_eq!(dimensions_of_stored(&default_image(part)), part.size());
        }
    }

    #[tokio::test]
    async fn work_off_thread_returns_its_result() {
        let stored = off_thread(|| fit_image(&png(10, 10), (290, 80)))
            .await
            .unwrap();
        assert_eq!(dimensions_of_stored(&stored), (290, 80));
    }
}
