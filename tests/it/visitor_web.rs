//! The visitor web over HTTP: chat buttons, graphics uploads, visitor tracking and
//! invitations — including "No thanks" holding across a restart.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, RgbaImage};
use reqwest::Method;
use serde_json::json;

use crate::support::*;

/// An image of `w`x`h` in `format`.
fn image_bytes(w: u32, h: u32, format: ImageFormat) -> Vec<u8> {
    let image = DynamicImage::ImageRgba8(RgbaImage::from_fn(w, h, |x, y| {
        image::Rgba([(x % 256) as u8, (y % 256) as u8, 128, 255])
    }));
    let image = if format == ImageFormat::Jpeg {
        DynamicImage::ImageRgb8(image.to_rgb8())
    } else {
        image
    };
    let mut out = Cursor::new(Vec::new());
    image
        .write_to(&mut out, format)
        .expect("the test image encodes");
    out.into_inner()
}

/// The PNG chunk checksum (CRC-32, IEEE).
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for byte in bytes {
        crc ^= u32::from(*byte);
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

async fn upload(server: &Server, path: &str, token: &str, bytes: Vec<u8>) -> Reply {
    server
        .raw(Method::PUT, path, Some(token), Some(bytes))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn button_code_has_the_manuals_exact_form_and_the_image_follows_presence() {
    let server = start_server().await;
    let company = server.new_company("Buttons").await;
    for lang in ["en", "ar", "zh", "cy"] {
        let code = server
            .get(
                &format!("/v1/buttons/code?lang={lang}&style=standard"),
                Some(&company.admin),
            )
            .await
            .expect(200);
        let expected = format!(
            "onclick=\"window.open('{base}/chat/{lang}/{key}/'+document.location.href,'','height=400,width=300,menubar=no, location=no,resizable=yes,scrollbars=no,status=yes');\"",
            base = server.base,
            key = company.key
        );
        assert!(
            code["html"].as_str().unwrap().contains(&expected),
            "{lang}: {code}"
        );
        assert_eq!(
            code["image_url"],
            format!("{}/button/{}/{lang}/standard", server.base, company.key)
        );
    }
    server
        .get("/v1/buttons/code?lang=xx", Some(&company.admin))
        .await
        .expect_error(400, "invalid_lang");
    server
        .get(
            "/v1/buttons/code?lang=en&style=custom",
            Some(&company.admin),
        )
        .await
        .expect_error(409, "custom_buttons_missing");

    let image = |lang: &'static str| {
        let url = server.url(&format!("/button/{}/{lang}/standard", company.key));
        let client = server.client.clone();
        async move {
            let response = client.get(url).send().await.unwrap();
            let cache = response.headers()["cache-control"]
                .to_str()
                .unwrap()
                .to_string();
            (cache, response.text().await.unwrap())
        }
    };
    let (cache, offline) = image("de").await;
    assert!(
        cache.contains("no-store"),
        "never cached past a state change: {cache}"
    );
    assert!(offline.contains("<svg"), "{offline}");
    let ann = server.new_operator(&company, "701", json!({})).await;
    let _events = server.go_online(&ann).await;
    let (_, online) = image("de").await;
    assert_ne!(
        online, offline,
        "the button shows online while an operator is online"
    );

    // Custom GIF buttons: a PNG is refused, two GIFs switch the code to custom at once.
    upload(
        &server,
        "/v1/buttons/custom/online",
        &company.admin,
        image_bytes(120, 40, ImageFormat::Png),
    )
    .await
    .expect_error(400, "not_a_gif");
    for state in ["online", "offline"] {
        upload(
            &server,
            &format!("/v1/buttons/custom/{state}"),
            &company.admin,
            image_bytes(120, 40, ImageFormat::Gif),
        )
        .await
        .expect(200);
    }
    let code = server
        .get(
            "/v1/buttons/code?lang=en&style=custom",
            Some(&company.admin),
        )
        .await
        .expect(200);
    assert!(code["html"].as_str().unwrap().contains("/custom"), "{code}");
    let gif = server
        .client
        .get(server.url(&format!("/button/{}/en/custom", company.key)))
        .send()
        .await
        .unwrap();
    assert_eq!(gif.headers()["content-type"], "image/gif");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphics_are_resized_into_slots_and_bad_uploads_change_nothing() {
    let server = start_server().await;
    let company = server.new_company("Graphics").await;
    let slot = server
        .post("/v1/chat-window/graphics", Some(&company.admin), json!({}))
        .await
        .expect(201);
    let id = slot["id"].as_u64().unwrap();
    let header = format!("/v1/chat-window/graphics/{id}/header");
    upload(
        &server,
        &header,
        &company.admin,
        image_bytes(1200, 300, ImageFormat::Jpeg),
    )
    .await
    .expect(200);
    upload(
        &server,
        &format!("/v1/chat-window/graphics/{id}/sidebar"),
        &company.admin,
        image_bytes(50, 50, ImageFormat::Gif),
    )
    .await
    .expect(200);
    server
        .post(
            &format!("/v1/chat-window/graphics/{id}/activate"),
            Some(&company.admin),
            json!({}),
        )
        .await
        .expect(200);

    let public = |part: &'static str| {
        let url = server.url(&format!("/graphics/{}/{part}", company.key));
        let client = server.client.clone();
        async move {
            client
                .get(url)
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap()
                .to_vec()
        }
    };
    let before = public("header").await;
    let decoded = image::load_from_memory(&before).expect("the header is an image");
    assert_eq!((decoded.width(), decoded.height()), (290, 80));
    let sidebar =
        image::load_from_memory(&public("sidebar").await).expect("the sidebar is an image");
    assert_eq!((sidebar.width(), sidebar.height()), (90, 367));

    upload(
        &server,
        &header,
        &company.admin,
        b"this is not an image".to_vec(),
    )
    .await
    .expect_error(415, "not_an_image");
    // A PNG header claiming 100000 x 100000 pixels: a decompression bomb.
    let mut bomb = image_bytes(1, 1, ImageFormat::Png);
    bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    let crc = crc32(&bomb[12..29]);
    bomb[29..33].copy_from_slice(&crc.to_be_bytes()); // a valid IHDR: only its size lies
    upload(&server, &header, &company.admin, bomb)
        .await
        .expect_error(400, "image_too_large");
    upload(&server, &header, &company.admin, vec![0u8; 3 * 1024 * 1024])
        .await
        .expect_error(413, "upload_too_large");
    assert_eq!(
        public("header").await,
        before,
        "refused uploads leave the stored image alone"
    );

    let ann = server.new_operator(&company, "702", json!({})).await;
    upload(
        &server,
        &header,
        &ann.token,
        image_bytes(10, 10, ImageFormat::Png),
    )
    .await
    .expect_error(403, "forbidden");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tracked_visitors_are_listed_invited_and_no_thanks_holds_across_a_restart() {
    let server = start_server().await;
    let company = server.new_company("Tracking").await;
    let key = company.key.clone();
    let page = |visitor: Option<u64>, url: &str| json!({ "visitor_id": visitor, "url": url, "title": "Mugs", "referrer": "https://search.example/" });
    let views = format!("/v1/visitor/{key}/page-views");
    let off = server
        .post(&views, None, page(None, "https://shop.example/"))
        .await
        .expect(200);
    assert_eq!(
        off["tracked"], false,
        "tracking is off until the company turns it on"
    );
    server
        .chat_window(
            &company.admin,
            json!({ "tracking": true, "invitation_delay_secs": 1 }),
        )
        .await;

    let ann = server
        .new_operator(&company, "703", json!({ "name": "Ann" }))
        .await;
    let mut ann_events = server.go_online(&ann).await;
    let first = server
        .post(&views, None, page(None, "https://shop.example/mugs"))
        .await
        .expect(200);
    let visitor = first["visitor_id"].as_u64().unwrap();
    assert!(visitor < 1 << 53, "visitor ids fit JavaScript numbers");
    let (seen, _) = ann_events
        .wait_for_where("visitor", |d| d["visitor"]["id"] == visitor, WAIT)
        .await;
    assert_eq!(seen["visitor"]["page_url"], "https://shop.example/mugs");
    assert_eq!(seen["visitor"]["referrer"], "https://search.example/");
    let list = server
        .get("/v1/visitors", Some(&ann.token))
        .await
        .expect(200);
    assert_eq!(list[0]["id"], visitor);
    assert_eq!(list[0]["pages_seen"], 1);

    // The tracking stream gets the automatic invitation, then an operator's.
    let mut invites = EventStream::open(
        server
            .client
            .get(server.url(&format!("/v1/visitor/{key}/visitors/{visitor}/events"))),
    )
    .await;
    server
        .post(
            &views,
            None,
            page(Some(visitor), "https://shop.example/mugs/blue"),
        )
        .await
        .expect(200);
    let (auto, _) = invites.wait_for("invitation", WAIT).await;
    assert_eq!(auto["by"], serde_json::Value::Null);
    server
        .post(
            &format!("/v1/visitors/{visitor}/invite"),
            Some(&ann.token),
            json!({}),
        )
        .await
        .expect(200);
    let (manual, _) = invites.wait_for("invitation", WAIT).await;
    assert_eq!(manual["by"], "Ann");

    server
        .post(
            &format!("/v1/visitor/{key}/visitors/{visitor}/decline"),
            None,
            json!({}),
        )
        .await
        .expect(200);
    server
        .post(
            &format!("/v1/visitors/{visitor}/invite"),
            Some(&ann.token),
            json!({}),
        )
        .await
        .expect_error(409, "invitations_declined");
    drop(invites);
    drop(ann_events);

    let server = server.restart().await;
    let ann_token = server.login(&ann.email, PASSWORD).await;
    server
        .post(
            &views,
            None,
            page(Some(visitor), "https://shop.example/cups"),
        )
        .await
        .expect(200);
    let mut invites = EventStream::open(
        server
            .client
            .get(server.url(&format!("/v1/visitor/{key}/visitors/{visitor}/events"))),
    )
    .await;
    let list = server
        .get("/v1/visitors", Some(&ann_token))
        .await
        .expect(200);
    assert_eq!(list[0]["declined"], true, "No thanks is stored: {list}");
    assert_eq!(list[0]["pages_seen"], 3);
    server
        .post(
            &format!("/v1/visitors/{visitor}/invite"),
            Some(&ann_token),
            json!({}),
        )
        .await
        .expect_error(409, "invitations_declined");
    assert_eq!(
        invites
            .try_next(std::time::Duration::from_secs(3))
            .await
            .err(),
        Some(NoEvent::Timeout),
        "no automatic invitation after No thanks (waited three times the delay)"
    );

    // Hostile input is refused clearly.
    server
        .post(&views, None, json!({ "url": "" }))
        .await
        .expect_error(400, "invalid_url");
    server
        .post(&views, None, page(Some(0), "https://x/"))
        .await
        .expect_error(400, "invalid_visitor_id");
    server
        .post(
            "/v1/visitor/0000000000000000/page-views",
            None,
            page(None, "https://x/"),
        )
        .await
        .expect_error(404, "company_not_found");
    let preflight = server
        .client
        .request(Method::OPTIONS, server.url(&views))
        .header("origin", "https://shop.example")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 204);
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
}
