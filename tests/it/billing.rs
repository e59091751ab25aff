//! My Account: the profile's rules, saved cards, invoices issued once per month with gapless
//! numbers, charged to the default card, and printed as PDF — over real HTTP, and with the
//! real binary killed with SIGKILL and `switchboard billing run` on its stopped database.

use std::path::Path;
use std::process::Command;

use reqwest::Method;
use serde_json::{json, Value};
use switchboard_engine::billing::Period;
use switchboard_http::api::billing::format_money;

use crate::process::{Process, NO_LIMITS};
use crate::support::*;

/// A German company with a VAT number: its invoices are reverse charge from an Irish seller.
fn german_profile() -> Value {
    json!({
        "name": "Müller Technik GmbH",
        "address": { "street": "Friedrichstraße 12", "city": "Berlin", "postcode": "10117" },
        "country": "DE",
        "vat_number": "DE 136 695 976",
        "currency": "EUR",
        "time_zone": "Europe/Berlin",
    })
}

const GOOD_CARD: &str = "4242 4242 4242 4242";
const DECLINED_CARD: &str = "4000 0000 0000 0002";

fn card(number: &str) -> Value {
    json!({ "number": number, "exp_month": 12, "exp_year": 2034, "cvc": "987", "holder": "Anna Müller" })
}

/// Every way the issue's users got a bad profile saved is now a 400 naming the field, and
/// the profile is left as it was.
#[tokio::test]
async fn a_bad_profile_is_refused_naming_the_field_and_changes_nothing() {
    let server = start_server().await;
    let company = server.new_company("Profile").await;
    let admin = Some(company.admin.as_str());
    let good = server
        .put("/v1/company", admin, german_profile())
        .await
        .expect(200);
    assert_eq!(
        good["vat_number"], "DE136695976",
        "normalised with its prefix"
    );
    assert_eq!(good["address"]["city"], "Berlin");
    let bad = [
        (
            json!({ "vat_number": "garbage!!" }),
            "invalid_vat_number",
            "DE followed by 9 digits",
        ),
        (
            json!({ "country": "GR", "vat_number": "GR123456789" }),
            "invalid_vat_number",
            "EL",
        ),
        (
            json!({ "country": "US", "vat_number": "123456789" }),
            "invalid_vat_number",
            "outside the EU",
        ),
        (json!({ "country": "ZZ" }), "invalid_country", "ZZ"),
        (
            json!({ "time_zone": "Mars/Olympus" }),
            "invalid_time_zone",
            "Europe/Dublin",
        ),
        (json!({ "currency": "JPY" }), "invalid_currency", "EUR"),
        (
            json!({ "address": { "street": "", "city": "Berlin" } }),
            "invalid_address.street",
            "street",
        ),
    ];
    for (patch, code, words) in bad {
        let refused = server
            .put("/v1/company", admin, patch.clone())
            .await
            .expect(400);
        assert_eq!(refused["code"], code, "{patch}");
        let message = refused["message"].as_str().unwrap();
        assert!(message.contains(words), "{patch}: {message}");
    }
    let after = server.get("/v1/company", admin).await.expect(200);
    assert_eq!(after, good, "nothing refused was stored");
}

/// A card is checked, saved as the gateway's token, and its number and CVC are in no answer;
/// a declined card leaves the invoice unpaid (and says why) until a good card is saved, which
/// pays it at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_card_leaves_the_invoice_unpaid_until_a_good_one_pays_it() {
    let server = start_server().await;
    let company = server.new_company("Declined").await;
    let admin = Some(company.admin.as_str());
    server
        .put("/v1/company", admin, german_profile())
        .await
        .expect(200);
    let billing = server.get("/v1/billing", admin).await.expect(200);
    let warning = billing["warning"].as_str().unwrap();
    assert!(warning.contains("No card is saved"), "{warning}");

    let typo = server
        .post("/v1/cards", admin, card("4242 4242 4242 4241"))
        .await
        .expect(400);
    assert_eq!(typo["code"], "invalid_number");
    let declined = server
        .post("/v1/cards", admin, card(DECLINED_CARD))
        .await
        .expect(201);
    assert_eq!(declined["last4"], "0002");
    assert_eq!(declined["default"], true, "the first card is the default");

    let period = Period::parse("2026-10").unwrap();
    let issued = server.engine().bill_period(period).await.unwrap();
    assert_eq!(issued.len(), 1);
    assert!(!issued[0].paid);
    let list = server.get("/v1/invoices", admin).await.expect(200);
    let invoice = &list["invoices"][0];
    assert_eq!(invoice["status"], "unpaid");
    assert_eq!(invoice["vat_rule"], "reverse_charge");
    assert!(
        invoice["failure"].as_str().unwrap().contains("declined"),
        "{invoice}"
    );
    let billing = server.get("/v1/billing", admin).await.expect(200);
    assert_eq!(billing["unpaid"], 1);
    assert!(billing["warning"].as_str().unwrap().contains("unpaid"));

    let good = server
        .post("/v1/cards", admin, card(GOOD_CARD))
        .await
        .expect(201);
    assert_eq!(
        good["default"], false,
        "a second card is not the default by itself"
    );
    let cards = server
        .post(
            &format!("/v1/cards/{}/default", good["id"]),
            admin,
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(cards["cards"].as_array().unwrap().len(), 2);
    let list = server.get("/v1/invoices", admin).await.expect(200);
    assert_eq!(list["invoices"][0]["status"], "paid", "{list}");
    assert!(list["invoices"][0]["paid_at"].is_u64());
    let billing = server.get("/v1/billing", admin).await.expect(200);
    assert!(billing.get("warning").is_none(), "{billing}");

    let deleted = server
        .call(
            Method::DELETE,
            &format!("/v1/cards/{}", declined["id"]),
            admin,
            None,
        )
        .await;
    assert_eq!(deleted.status, 204);
    let cards = server.get("/v1/cards", admin).await.expect(200);
    assert_eq!(
        ids(&cards["cards"], "id"),
        vec![good["id"].as_u64().unwrap()]
    );

    for body in [list.to_string(), cards.to_string(), billing.to_string()] {
        assert!(!body.contains("4242424242424242") && !body.contains(GOOD_CARD));
    }
    // Another company sees none of it.
    let other = server.new_company("Other").await;
    let theirs = server
        .get("/v1/invoices", Some(&other.admin))
        .await
        .expect(200);
    assert_eq!(theirs["invoices"], json!([]));
    let pdf = server.get("/v1/invoices/1.pdf", Some(&other.admin)).await;
    assert_eq!(pdf.status, 404);
}

/// Many issue attempts at once, from the clock and by hand: each month is invoiced once and
/// the numbers run 1, 2, 3 without a gap; after a restart (the months that ended while the
/// server was down) nothing is issued twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_and_repeated_billing_issues_each_month_once_with_gapless_numbers() {
    let server = start_server().await;
    let company = server.new_company("Gapless").await;
    let admin = Some(company.admin.as_str());
    let now = switchboard_engine::model::now_ms();
    // Four months on: the three whole months after the sign-up month have ended.
    let later = now + 4 * 31 * 24 * 3600 * 1000;
    let engine = server.engine().clone();
    let attempts: Vec<_> = (0..8)
        .map(|i| {
            let engine = engine.clone();
            tokio::spawn(async move {
                if i % 2 == 0 {
                    engine.bill_due(later).await.unwrap().len()
                } else {
                    let period = Period::parse("2020-01").unwrap();
                    engine.bill_period(period).await.unwrap().len()
                }
            })
        })
        .collect();
    let mut issued = 0;
    for attempt in attempts {
        issued += attempt.await.unwrap();
    }
    let list = server.get("/v1/invoices", admin).await.expect(200);
    let numbers = ids(&list["invoices"], "number");
    assert_eq!(issued, numbers.len(), "every issue is an invoice");
    let expected: Vec<u64> = (1..=numbers.len() as u64).rev().collect();
    assert_eq!(numbers, expected, "gapless, newest first");
    let mut periods: Vec<&str> = list["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["period"].as_str().unwrap())
        .collect();
    assert!(periods.contains(&"2020-01"));
    let count = periods.len();
    periods.dedup();
    assert_eq!(periods.len(), count, "no month twice: {periods:?}");
    assert!(
        count >= 4,
        "three months after sign-up and 2020-01: {periods:?}"
    );

    let server = server.restart().await;
    assert!(server.engine().bill_due(later).await.unwrap().is_empty());
    let again = server.get("/v1/invoices", admin).await.expect(200);
    assert_eq!(again, list, "the restart issued nothing again");
}

/// The whole path as an admin meets it, on the real binary: profile, card, SIGKILL, billing
/// run on the stopped database (twice: idempotent), the PDF — and the card's number and CVC
/// in no file of the data folder, no log line and no answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn billing_run_issues_a_reverse_charge_pdf_and_the_card_number_is_nowhere() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data = dir.path().join("data");
    let process = Process::start(&data, dir.path(), 1, NO_LIMITS).await;
    let http = reqwest::Client::new();
    let call = |method: Method, path: &str, token: Option<&str>, body: Option<Value>| {
        let mut request = http.request(method, format!("{}{path}", process.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send()
    };
    let login: Value = call(
        Method::POST,
        "/v1/login",
        None,
        Some(json!({ "email": "admin@demo.example", "password": "demo-admin" })),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let admin = login["token"].as_str().unwrap().to_string();
    let mut answers = String::new();
    for (method, path, body) in [
        (Method::PUT, "/v1/company", Some(german_profile())),
        (Method::POST, "/v1/cards", Some(card(GOOD_CARD))),
        (Method::GET, "/v1/cards", None),
    ] {
        let reply = call(method, path, Some(&admin), body).await.unwrap();
        assert!(reply.status().is_success(), "{path}: {}", reply.status());
        answers.push_str(&reply.text().await.unwrap());
    }
    process.kill().await;

    let run = |period: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .args(["billing", "run", "--period", period, "--data"])
            .arg(&data)
            .current_dir(dir.path())
            .output()
            .expect("the binary runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let first = run("2026-10");
    assert!(first.contains("2026-10: 1 invoice(s) issued"), "{first}");
    assert!(first.contains("(paid)"), "{first}");
    let second = run("2026-10");
    assert!(second.contains("2026-10: 0 invoice(s) issued"), "{second}");

    let process = Process::start(&data, dir.path(), 2, NO_LIMITS).await;
    let http = reqwest::Client::new();
    let list: Value = http
        .get(format!("{}/v1/invoices", process.base))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let invoice = &list["invoices"][0];
    assert_eq!(invoice["number"], 1);
    assert_eq!(invoice["status"], "paid");
    assert_eq!(invoice["vat_rate_bp"], 0);
    let pdf = http
        .get(format!("{}/v1/invoices/1.pdf", process.base))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let path = dir.path().join("invoice-1.pdf");
    std::fs::write(&path, pdf.bytes().await.unwrap()).unwrap();
    let text = pdftotext(&path);
    let total = format_money(invoice["gross_minor"].as_i64().unwrap(), "EUR");
    for expected in [
        "Müller Technik GmbH",
        "DE136695976",
        "Reverse charge",
        "October 2026",
        total.as_str(),
        "Paid on",
    ] {
        assert!(text.contains(expected), "{expected} is not in:\n{text}");
    }
    answers.push_str(&list.to_string());
    let log = process.log_text();
    process.kill().await;

    let digits = GOOD_CARD.replace(' ', "");
    for secret in [digits.as_str(), GOOD_CARD, "\"987\""] {
        assert!(!answers.contains(secret), "an answer holds {secret}");
        assert!(!log.contains(secret), "the log holds {secret}");
    }
    for file in files(dir.path()) {
        let bytes = std::fs::read(&file).unwrap();
        for secret in [digits.as_bytes(), GOOD_CARD.as_bytes()] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret),
                "{} holds the card number",
                file.display()
            );
        }
    }
}

/// The text `pdftotext` reads from a PDF (Debian's poppler-utils, installed by `.ci/run`).
fn pdftotext(path: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg("-layout")
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext runs: install poppler-utils");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// Every file under `dir`.
fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files(&path));
        } else {
            found.push(path);
        }
    }
    found
}
