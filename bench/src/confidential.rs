//! Scenario `confidential`: copies of a confidential document, each stamped
//! for its reader. The budget (issue 21): stamping the 83-page report for
//! one reader costs under 200 ms of server CPU, and 26 delegates opening it
//! at once are all served within 3 s.
//!
//! Three measures, each on a document the server has not seen before (the
//! bench PDF uploaded again as confidential, so nothing is prepared):
//! - the first copy alone: parsing and preparing the document, then the
//!   stamp (what one reader costs when nobody opened it before);
//! - then one copy at a time for other delegates (what each further reader
//!   costs: the stamp only), as server CPU per copy;
//! - 26 delegates opening a second fresh document at the same moment: the
//!   slowest answer, and the server CPU for all of them.

use std::time::Instant;

use anyhow::{bail, Context};
use serde_json::Value;

use crate::{sample, Bench, Row};

/// Uploads the bench PDF as a confidential document; returns its URL.
async fn upload_confidential(bench: &Bench, name: &str) -> anyhow::Result<String> {
    let secretary = bench.login("thuky").await?;
    let meeting: Value = secretary
        .get(format!(
            "{}/api/v1/meetings/{}",
            bench.options.url, bench.meeting_id
        ))
        .send()
        .await?
        .json()
        .await?;
    let item_id = meeting["agenda"][0]["id"]
        .as_str()
        .context("agenda item")?
        .to_owned();
    let pdf = std::fs::read(&bench.options.pack_pdf)
        .with_context(|| format!("read {}", bench.options.pack_pdf))?;
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(pdf)
                .file_name(format!("{name}.pdf"))
                .mime_str("application/pdf")?,
        )
        .text("confidential", "true");
    let response = secretary
        .post(format!(
            "{}/api/v1/meetings/{}/agenda/{item_id}/documents",
            bench.options.url, bench.meeting_id
        ))
        .multipart(form)
        .send()
        .await?;
    if !response.status().is_success() {
        bail!("upload: {}", response.text().await?);
    }
    let document: Value = response.json().await?;
    Ok(document["url"].as_str().context("url")?.to_owned())
}

/// One delegate's copy; returns its size.
async fn copy_for(bench: &Bench, delegate: usize, url: &str) -> anyhow::Result<usize> {
    let client = bench.login(&bench.delegate(delegate)).await?;
    let response = client
        .get(format!("{}{url}", bench.options.url))
        .header("X-Phonghop-Device", format!("bench-{delegate}"))
        .send()
        .await?;
    if response.status() != 200 {
        bail!("copy for delegate {delegate}: {}", response.status());
    }
    Ok(response.bytes().await?.len())
}

pub(crate) async fn confidential(bench: &Bench) -> anyhow::Result<Row> {
    let readers = bench.options.tablets;
    let repeats = 20;
    bench.login_delegates(readers + repeats + 1).await?;

    // The first copy of a document nobody opened yet, then one at a time.
    let url = upload_confidential(bench, "mat-lan-dau").await?;
    let before = sample(bench.options.pid);
    let started = Instant::now();
    let size = copy_for(bench, 0, &url).await?;
    let first_wall = started.elapsed();
    let first_cpu = (sample(bench.options.pid).cpu - before.cpu).as_secs_f64();
    let before = sample(bench.options.pid);
    let started = Instant::now();
    for reader in 1..=repeats {
        copy_for(bench, reader, &url).await?;
    }
    let each_wall = started.elapsed().as_secs_f64() / repeats as f64;
    let each_cpu = (sample(bench.options.pid).cpu - before.cpu).as_secs_f64() / repeats as f64;

    // Everyone at once, on a document nobody opened yet.
    let url = upload_confidential(bench, "mat-cung-luc").await?;
    let before = sample(bench.options.pid);
    let started = Instant::now();
    let copies = (0..readers).map(|reader| {
        let url = url.clone();
        async move {
            let size = copy_for(bench, reader, &url).await?;
            anyhow::Ok((started.elapsed(), size))
        }
    });
    let mut slowest = std::time::Duration::ZERO;
    let mut served = 0;
    for result in futures::future::join_all(copies).await {
        let (elapsed, _) = result?;
        slowest = slowest.max(elapsed);
        served += 1;
    }
    let crowd_cpu = (sample(bench.options.pid).cpu - before.cpu).as_secs_f64();
    Ok(Row {
        scenario: format!(
            "confidential copies: the bench PDF ({:.1} MB stamped) for each reader",
            size as f64 / 1e6
        ),
        figures: format!(
            "first copy (prepare + stamp) {:.0} ms, server CPU {:.0} ms; each further copy {:.1} ms, server CPU {:.1} ms (mean of {repeats}, including the request and its audit entry); {served}/{readers} readers at once on a fresh document: slowest served in {:.2} s, server CPU {:.2} s",
            first_wall.as_secs_f64() * 1e3,
            first_cpu * 1e3,
            each_wall * 1e3,
            each_cpu * 1e3,
            slowest.as_secs_f64(),
            crowd_cpu,
        ),
    })
}
