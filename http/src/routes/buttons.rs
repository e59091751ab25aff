//! Chat buttons: the HTML code, the standard online/offline images in every language, and
//! custom GIF buttons.
//!
//! The standard image is an SVG drawn per language from the `button-online` /
//! `button-offline` translations. Button images are never cached (`no-cache, no-store,
//! must-revalidate`): they show whether an operator is online right now.

use std::io::Cursor;
use std::sync::Arc;

use bytes::Bytes;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CACHE_CONTROL, EXPIRES, PRAGMA};
use hyper::{Request, Response, StatusCode};
use image::codecs::gif::GifDecoder;
use image::{AnimationDecoder, ImageDecoder, ImageFormat};
use switchboard_engine::assets::{ButtonState, CustomButtons};
use switchboard_engine::Error;

use super::graphics::{decode_limits, off_thread, refusal, too_large};
use super::pages::escape;
use super::{account, admin, json, query_param, read_upload, respond, Body, Reply};
use crate::api;
use crate::convert;
use crate::error::ApiError;
use crate::server::App;

/// The chat button's HTML: the button image, opening the chat window with exactly the
/// reference product's `window.open` call. The image's text alternative is "Live chat" in the
/// button's language (the tracking script adds online or offline as it changes).
pub fn button_html(base_url: &str, key: &str, lang: &str, style: api::ButtonStyle) -> String {
    let style = style.name();
    let alt = escape(&crate::i18n::text(lang, "window-title", &[]));
    format!(
        "<img src=\"{base_url}/button/{key}/{lang}/{style}\" alt=\"{alt}\" style=\"cursor:pointer;border:0\" \
         onclick=\"window.open('{base_url}/chat/{lang}/{key}/'+document.location.href,'','height=400,width=300,menubar=no, location=no,resizable=yes,scrollbars=no,status=yes');\">"
    )
}

/// Pixels decoded across all frames of one GIF: a button animation needs a small fraction of
/// this, and it bounds the CPU a 2 MiB GIF of many huge frames could cost.
const MAX_GIF_PIXELS: u64 = 64 * 1024 * 1024;

/// Standard button height, in pixels.
const BUTTON_HEIGHT: u32 = 32;

/// Text size of the standard button, in pixels.
const FONT_PX: f32 = 13.0;

/// Space between the button's edge and its content, in pixels.
const PADDING: f32 = 12.0;

/// Radius of the status light, in pixels.
const LIGHT_RADIUS: f32 = 5.0;

fn custom_state(b: &CustomButtons) -> api::CustomButtons {
    api::CustomButtons {
        online: b.online.is_some(),
        offline: b.offline.is_some(),
        custom_buttons: b.complete(),
    }
}

/// `GET /v1/buttons/code?lang=&style=`: `lang` defaults to the company's language, `style` to
/// standard; the custom style needs both GIFs uploaded (409 otherwise).
pub async fn code(app: &Arc<App>, req: Request<Incoming>) -> Reply {
    let (tenant, _) = account(app, &req)?;
    let lang = query_param(&req, "lang").filter(|l| !l.is_empty());
    let style = query_param(&req, "style").filter(|s| !s.is_empty());
    let style = style
        .as_deref()
        .map_or(Ok(api::ButtonStyle::Standard), convert::button_style)?;
    if let Some(lang) = &lang {
        if !crate::api::languages::CODES.contains(&lang.as_str()) {
            return Err(ApiError::invalid(
                "lang",
                format!("\"{lang}\" is not one of the 52 language codes"),
            ));
        }
    }
    let s = app.engine.view(tenant)?;
    if style == api::ButtonStyle::Custom && !s.tenant.window.custom_buttons {
        return Err(Error::Conflict {
            code: "custom_buttons_missing",
            message: "upload both custom buttons (the online and the offline GIF) before asking \
                      for their code"
                .into(),
        }
        .into());
    }
    let lang = lang.unwrap_or_else(|| s.tenant.window.language.clone());
    let key = &s.tenant.company.key;
    let base = &app.base_url;
    json(
        StatusCode::OK,
        &api::ButtonCode {
            html: button_html(base, key, &lang, style),
            image_url: format!("{base}/button/{key}/{lang}/{}", style.name()),
            chat_url: format!("{base}/chat/{lang}/{key}/"),
            style,
            lang,
        },
    )
}

/// Checks that `bytes` is a GIF whose every frame decodes under the upload limits. Blocking:
/// call it through [`off_thread`].
fn validate_gif(bytes: &[u8]) -> Result<(), ApiError> {
    match image::guess_format(bytes) {
        Ok(ImageFormat::Gif) => {}
        found => {
            let what = match found {
                Ok(f) => format!(
                    "a {}",
                    f.extensions_str().first().unwrap_or(&"").to_uppercase()
                ),
                Err(_) => "not an image".to_string(),
            };
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "not_a_gif",
                format!("custom buttons must be GIF images; this upload is {what}"),
            ));
        }
    }
    let mut decoder = GifDecoder::new(Cursor::new(bytes)).map_err(refusal)?;
    // Checks the canvas against the side limits before any frame is read.
    decoder.set_limits(decode_limits()).map_err(refusal)?;
    let (w, h) = decoder.dimensions();
    let mut pixels = 0u64;
    for frame in decoder.into_frames() {
        frame.map_err(refusal)?;
        // Each frame is composed on the whole canvas.
        pixels += u64::from(w) * u64::from(h);
        if pixels > MAX_GIF_PIXELS {
            return Err(too_large());
        }
    }
    if pixels == 0 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "image_corrupt",
            "the GIF has no frames",
        ));
    }
    Ok(())
}

/// `PUT /v1/buttons/custom/{online|offline}`: a GIF, stored as uploaded. Once both exist the
/// custom style is on.
pub async fn upload_custom(app: &Arc<App>, req: Request<Incoming>, state: &str) -> Reply {
    let (tenant, _) = admin(app, &req)?;
    let state = ButtonState::parse(state).ok_or_else(|| {
        ApiError::invalid(
            "state",
            format!("\"{state}\" is not a button state: use online or offline"),
        )
    })?;
    let bytes = read_upload(app, req).await?;
    let checked = bytes.clone();
    off_thread(move || validate_gif(&checked)).await?;
    let buttons = app
        .engine
        .save_custom_button(tenant, state, bytes.to_vec())
        .await?;
    json(StatusCode::OK, &custom_state(&buttons))
}

/// `DELETE /v1/buttons/custom`: back to the standard buttons.
pub async fn delete_custom(app: &Arc<App>, req: Request<Incoming>) -> Reply {
    let (tenant, _) = admin(app, &req)?;
    app.engine.delete_custom_buttons(tenant).await?;
    json(StatusCode::OK, &custom_state(&CustomButtons::default()))
}

/// `GET /button/{key}/{lang}/{style}`: the button image, online or offline right now. An
/// unknown language shows the company's default one; the custom style without uploaded GIFs
/// shows the standard button, so a page never shows a broken image.
pub async fn image(app: &Arc<App>, key: &str, lang: &str, style: &str) -> Reply {
    let tenant = app.engine.tenant_by_key(key)?;
    let style = convert::button_style(style)?;
    let s = app.engine.view(tenant)?;
    let state = if s.online {
        ButtonState::Online
    } else {
        ButtonState::Offline
    };
    if style == api::ButtonStyle::Custom && s.tenant.window.custom_buttons {
        if let Some(gif) = app.engine.custom_buttons(tenant)?.image(state) {
            return Ok(uncached(respond(
                StatusCode::OK,
                "image/gif",
                Bytes::copy_from_slice(gif),
            )));
        }
    }
    let lang = if crate::api::languages::CODES.contains(&lang) {
        lang
    } else {
        s.tenant.window.language.as_str()
    };
    let svg = button_svg(lang, state == ButtonState::Online);
    Ok(uncached(respond(
        StatusCode::OK,
        "image/svg+xml; charset=utf-8",
        Bytes::from(svg),
    )))
}

/// Makes sure no browser or proxy shows a stale online/offline state.
fn uncached(mut response: Response<Body>) -> Response<Body> {
    let headers = response.headers_mut();
    headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-store, must-revalidate"),
    );
    // For HTTP/1.0 caches that ignore Cache-Control.
    headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
    headers.insert(EXPIRES, HeaderValue::from_static("0"));
    response
}

/// Whether `c` is drawn about one em wide (CJK, kana, hangul, full-width forms).
fn is_wide(c: char) -> bool {
    matches!(u32::from(c),
        0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6)
}

/// An estimate of the text's width: the button is sized from it, and the text is centred in
/// its area, so a small error only changes the margins.
fn text_width(text: &str) -> f32 {
    text.chars()
        .map(|c| match c {
            ' ' => 0.3,
            c if is_wide(c) => 1.0,
            _ => 0.6,
        })
        .sum::<f32>()
        * FONT_PX
}

/// The standard button of `lang`: a rounded pill with a status light and the translated
/// text; right-to-left languages get `direction="rtl"` and the light on the right.
fn button_svg(lang: &str, online: bool) -> String {
    let id = if online {
        "button-online"
    } else {
        "button-offline"
    };
    render_button(&crate::i18n::text(lang, id, &[]), lang, online)
}

/// The standard button showing `label` (any text: it is escaped).
fn render_button(label: &str, lang: &str, online: bool) -> String {
    let rtl = crate::i18n::is_rtl(lang);
    let (fill, light) = if online {
        ("#1f7a4d", "#7ee2a8")
    } else {
        ("#5f6b7a", "#c3cad3")
    };
    let light_area = 2.0 * LIGHT_RADIUS + 8.0;
    let width = (PADDING * 2.0 + light_area + text_width(label)).ceil();
    let height = BUTTON_HEIGHT as f32;
    let light_x = if rtl {
        width - PADDING - LIGHT_RADIUS
    } else {
        PADDING + LIGHT_RADIUS
    };
    let text_x = if rtl {
        (PADDING + width - PADDING - light_area) / 2.0
    } else {
        (PADDING + light_area + width - PADDING) / 2.0
    };
    let text = escape(label);
    let lang = escape(lang);
    let direction = if rtl { " direction=\"rtl\"" } else { "" };
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{text}\" xml:lang=\"{lang}\">\
         <title>{text}</title>\
         <rect x=\"0.5\" y=\"0.5\" width=\"{rw}\" height=\"{rh}\" rx=\"{r}\" fill=\"{fill}\" \
         stroke=\"#ffffff\" stroke-opacity=\"0.25\"/>\
         <circle cx=\"{light_x}\" cy=\"{cy}\" r=\"{LIGHT_RADIUS}\" fill=\"{light}\" \
         stroke=\"#ffffff\" stroke-width=\"1.5\"/>\
         <text x=\"{text_x}\" y=\"{cy}\" dy=\"0.35em\" text-anchor=\"middle\"{direction} \
         font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif\" \
         font-size=\"{FONT_PX}\" font-weight=\"600\" fill=\"#ffffff\">{text}</text></svg>",
        rw = width - 1.0,
        rh = height - 1.0,
        r = height / 2.0 - 0.5,
        cy = height / 2.0,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::codecs::gif::GifEncoder;
    use image::codecs::png::PngEncoder;
    use image::{ExtendedColorType, Frame, ImageEncoder, Rgba, RgbaImage};

    fn gif(w: u32, h: u32, frames: usize) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut encoder = GifEncoder::new(&mut out);
            for i in 0..frames {
                let colour = Rgba([(i * 40) as u8, 120, 60, 255]);
                encoder
                    .encode_frame(Frame::new(RgbaImage::from_pixel(w, h, colour)))
                    .unwrap();
            }
        }
        out
    }

    fn png(w: u32, h: u32) -> Vec<u8> {
        let mut out = Vec::new();
        PngEncoder::new(&mut out)
            .write_image(
                RgbaImage::from_pixel(w, h, Rgba([1, 2, 3, 255])).as_raw(),
                w,
                h,
                ExtendedColorType::Rgba8,
            )
            .unwrap();
        out
    }

    #[test]
    fn the_code_has_the_reference_form_in_english_and_arabic() {
        let base = "https://chat.example.com";
        let key = "abcdef0123456789";
        assert_eq!(
            button_html(base, key, "en", api::ButtonStyle::Standard),
            "<img src=\"https://chat.example.com/button/abcdef0123456789/en/standard\" \
             alt=\"Live chat\" style=\"cursor:pointer;border:0\" \
             onclick=\"window.open('https://chat.example.com/chat/en/abcdef0123456789/'+document.location.href,'','height=400,width=300,menubar=no, location=no,resizable=yes,scrollbars=no,status=yes');\">"
        );
        // Regression: the text alternative was English whatever the button's language.
        assert!(
            button_html(base, key, "de", api::ButtonStyle::Standard).contains("alt=\"Live-Chat\"")
        );
        assert!(button_html(base, key, "ar", api::ButtonStyle::Standard)
            .contains("alt=\"الدردشة المباشرة\""));
        for lang in ["en", "ar"] {
            let html = button_html(base, key, lang, api::ButtonStyle::Custom);
            let expected = format!(
                "onclick=\"window.open('{base}/chat/{lang}/{key}/'+document.location.href,'',\
                 'height=400,width=300,menubar=no, location=no,resizable=yes,scrollbars=no,status=yes');\""
            );
            assert!(html.contains(&expected), "{lang}: {html}");
            assert!(html.contains(&format!("/button/{key}/{lang}/custom\"")));
        }
    }

    #[test]
    fn gifs_are_accepted_still_and_animated() {
        validate_gif(&gif(88, 31, 1)).unwrap();
        validate_gif(&gif(120, 40, 4)).unwrap();
    }

    #[test]
    fn a_png_is_not_a_gif() {
        let error = validate_gif(&png(88, 31)).unwrap_err();
        assert_eq!(error.status, StatusCode::BAD_REQUEST);
        assert_eq!(error.code, "not_a_gif");
        assert!(error.message.contains("PNG"), "{}", error.message);
        assert_eq!(validate_gif(b"hello, world").unwrap_err().code, "not_a_gif");
        assert_eq!(validate_gif(b"").unwrap_err().code, "not_a_gif");
    }

    #[test]
    fn a_gif_bomb_and_a_damaged_gif_are_refused() {
        // A logical screen of 65535x65535 with no image data.
        let mut bomb = b"GIF89a".to_vec();
        bomb.extend([0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00]);
        bomb.extend([
            0x2c, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x00, 0x08, 0x00, 0x3b,
        ]);
        assert_eq!(validate_gif(&bomb).unwrap_err().code, "image_too_large");

        let whole = gif(88, 31, 2);
        let error = validate_gif(&whole[..whole.len() - 20]).unwrap_err();
        assert_eq!(error.status, StatusCode::BAD_REQUEST);
        assert_ne!(error.code, "not_a_gif");
    }

    #[test]
    fn the_standard_button_speaks_the_language() {
        let english = button_svg("en", true);
        assert!(english.contains(">Live chat: online</text>"), "{english}");
        assert!(!english.contains("direction"), "{english}");
        assert!(button_svg("en", false).contains(">Live chat: offline</text>"));
        for lang in ["de", "ja", "ru", "ar", "he", "zh"] {
            for online in [true, false] {
                let id = if online {
                    "button-online"
                } else {
                    "button-offline"
                };
                let label = crate::i18n::text(lang, id, &[]);
                let svg = button_svg(lang, online);
                assert!(
                    svg.contains(&format!(">{}</text>", escape(&label))),
                    "{lang}: {svg}"
                );
                assert_eq!(
                    svg.contains("direction=\"rtl\""),
                    crate::api::languages::is_rtl(lang),
                    "{lang}"
                );
            }
        }
        assert_ne!(
            button_svg("de", true),
            english,
            "German differs from English"
        );
    }

    #[test]
    fn button_text_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">Tom & Jerry's</a>"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;"
        );
        let svg = render_button("<script>alert(1)</script> & \"more\"", "en\"x", true);
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(
            svg.contains(">&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;more&quot;</text>")
        );
        assert!(svg.contains("aria-label=\"&lt;script&gt;"), "{svg}");
        assert!(svg.contains("xml:lang=\"en&quot;x\""), "{svg}");
        for lang in crate::api::languages::CODES {
            let svg = button_svg(lang, true);
            assert!(
                svg.starts_with("<svg ") && svg.ends_with("</svg>"),
                "{lang}"
            );
            assert_eq!(svg.matches("<text").count(), 1, "{lang}");
        }
    }

    #[test]
    fn wide_scripts_make_wider_buttons() {
        assert!(text_width("在线客服") > text_width("abcd"));
        assert_eq!(text_width(""), 0.0);
    }
}
