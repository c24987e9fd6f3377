//! 手写签批 and 语音 end to end: an approval with a handwriting image and a voice clip made offline
//! goes up with its files at the next sync, the gateway accepts it, and the next handler's phone
//! sees both in the document's opinions and downloads the very same bytes; a command naming a
//! file never uploaded is refused with `opinion_file_missing` and stays queued until the file is
//! there; a file whose bytes do not match its hash, an oversized one and a mistyped one are
//! refused, and an upload is audited as the person's.

// The helpers below fail the test that called them, loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::opinions::{set_defaults, signed};
use qianpi_core::crypto;
use qianpi_core::model::{Attitude, Opinion, OpinionFile};
use qianpi_core::protocol::phrases::OPINION_FILE_MISSING;
use qianpi_core::workflow::{Command, InstanceState};
use qianpi_gateway::admin::{demo, describe_instance};
use qianpi_tests::{get_raw, push_commands, send_signed, verdict_code, Harness};
use serde_json::json;

/// A small PNG-looking handwriting image and an AAC-looking voice clip.
fn media() -> (Vec<u8>, Vec<u8>) {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend((0..40_000u32).map(|i| (i * 7 % 251) as u8));
    let mut aac = b"\xff\xf1\x50\x80".to_vec();
    aac.extend((0..90_000u32).map(|i| (i * 13 % 241) as u8));
    (png, aac)
}

#[tokio::test]
async fn a_handwritten_and_spoken_approval_made_offline_reaches_the_next_handler() {
    let mut harness = Harness::start().await.unwrap();
    set_defaults(&harness).await;
    let (leader, task) = harness.leader_with_task().await.unwrap();
    let office = harness
        .activated_phone("office", demo::HANDLER)
        .await
        .unwrap();
    leader.client.sync_phrases().await.unwrap();
    let (png, aac) = media();

    // Offline: the leader picks a phrase, signs on the pad and records a few words.
    harness.stop_gateway().await.unwrap();
    assert!(leader.client.sync().await.is_err(), "the gateway is away");
    let phrase = leader.client.phrases().unwrap().all()[3].clone();
    assert_eq!(phrase, "拟同意，请领导审定。");
    let handwriting = leader
        .client
        .keep_opinion_file(&png, "image/png", None)
        .unwrap();
    let voice = leader
        .client
        .keep_opinion_file(&aac, "audio/aac", Some(6_500))
        .unwrap();
    assert_eq!(handwriting.sha256, crypto::sha256_hex(&png));
    let queued = leader
        .client
        .act_with_files(
            Command::Approve {
                task_id: task.clone(),
                route: None,
                opinion: Opinion::new(Attitude::Agree, &phrase),
            },
            None,
            Some(handwriting.clone()),
            Some(voice.clone()),
        )
        .unwrap();
    assert!(queued.decided_offline);
    // The signed record binds the files by hash: they are in the opinion it hashes.
    let record = leader.first_queued_record().unwrap();
    let opinion = record.command.opinion().unwrap();
    assert_eq!(opinion.handwriting.as_ref(), Some(&handwriting));
    assert_eq!(opinion.audio.as_ref(), Some(&voice));

    // Back online: the files go up with the command, and the gateway accepts it.
    harness.restart_gateway().await.unwrap();
    let report = leader.client.sync().await.unwrap();
    assert_eq!((report.accepted, report.refused), (1, 0));
    assert_eq!(leader.client.outbox().unwrap().len(), 0);
    let summary = describe_instance(&harness.db, demo::INSTANCE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(summary.state, InstanceState::Running);

    // The next handler sees the opinion with its handwriting and voice, and fetches the same
    // bytes with the ordinary download.
    office.client.sync().await.unwrap();
    let their_task = office.client.inbox().unwrap()[0].task_id.clone();
    let detail = office.client.document_detail(&their_task).unwrap();
    let entry = detail
        .opinion_columns
        .iter()
        .flat_map(|c| &c.opinions)
        .find(|o| o.text == phrase)
        .expect("the leader's opinion is in the detail");
    assert_eq!(entry.handwriting.as_ref(), Some(&handwriting));
    assert_eq!(entry.audio.as_ref(), Some(&voice));
    assert_eq!(entry.audio.as_ref().unwrap().duration_ms, Some(6_500));
    assert_eq!(
        office.client.download(&handwriting.sha256).await.unwrap(),
        png.len() as u64
    );
    office.client.download(&voice.sha256).await.unwrap();
    let mut got = Vec::new();
    office
        .client
        .read_file(&handwriting.sha256, &mut got)
        .unwrap();
    assert_eq!(got, png);
    let mut heard = Vec::new();
    office.client.read_file(&voice.sha256, &mut heard).unwrap();
    assert_eq!(heard, aac);
    // The gateway serves it with the media type the leader's phone gave.
    let served = get_raw(
        &harness,
        &office,
        &format!("v1/blobs/{}", voice.sha256),
        &[],
    )
    .await;
    assert_eq!(served.headers()["content-type"], "audio/aac");
}

#[tokio::test]
async fn a_command_naming_a_file_never_uploaded_is_refused_and_waits_for_it() {
    let harness = Harness::start().await.unwrap();
    let (leader, task) = harness.leader_with_task().await.unwrap();
    let bytes = b"\x89PNG\r\n\x1a\n a signature never kept on this phone".to_vec();
    let file = OpinionFile {
        sha256: crypto::sha256_hex(&bytes),
        media_type: "image/png".into(),
        size: bytes.len() as u64,
        duration_ms: None,
    };
    let mut opinion = Opinion::agree("同意。");
    opinion.handwriting = Some(file);
    leader
        .client
        .act(Command::Approve {
            task_id: task.clone(),
            route: None,
            opinion,
        })
        .unwrap();

    // As the wire says it: refused with its code, and nothing kept (pushing again gets the same).
    let signed_command = leader.client.outbox().unwrap()[0].command.clone();
    for _ in 0..2 {
        let answer = push_commands(&harness, &leader, vec![signed_command.clone()])
            .await
            .unwrap();
        assert_eq!(verdict_code(&answer.verdicts[0]), OPINION_FILE_MISSING);
    }
    // The phone keeps the command queued rather than filing it as refused.
    let report = leader.client.sync().await.unwrap();
    assert_eq!((report.accepted, report.refused), (0, 0));
    assert_eq!(leader.client.outbox().unwrap().len(), 1);
    assert!(leader.client.verdicts().unwrap().is_empty());
    let summary = describe_instance(&harness.db, demo::INSTANCE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(summary.pending_with, ["王建国"], "the flow did not move");

    // Once the file is on the phone, the next sync uploads it and the same command goes through.
    leader
        .client
        .keep_opinion_file(&bytes, "image/png", None)
        .unwrap();
    let report = leader.client.sync().await.unwrap();
    assert_eq!((report.accepted, report.refused), (1, 0));
    assert_eq!(leader.client.outbox().unwrap().len(), 0);
}

#[tokio::test]
async fn an_upload_is_refused_when_its_bytes_do_not_match_or_exceed_the_bounds() {
    let harness = Harness::start().await.unwrap();
    let leader = harness
        .activated_phone("leader", demo::LEADER)
        .await
        .unwrap();
    let (png, _) = media();
    let sha = crypto::sha256_hex(&png);
    let put_blob = |sha: String, query: &'static str, body: Vec<u8>| {
        let leader = &leader;
        let harness = &harness;
        async move {
            signed(
                harness,
                leader,
                reqwest::Method::PUT,
                &format!("v1/blobs/{sha}{query}"),
                body,
            )
            .await
        }
    };

    // Tampered bytes under the hash of the real ones: refused by hash, nothing stored.
    let mut tampered = png.clone();
    tampered[100] ^= 0x01;
    assert_eq!(
        put_blob(sha.clone(), "?media_type=image/png", tampered).await,
        (400, "hash_mismatch".to_owned())
    );
    let missing = get_raw(&harness, &leader, &format!("v1/blobs/{sha}"), &[]).await;
    assert_eq!(missing.status(), 404);
    // The real bytes are taken once (201), then again without change (200).
    let response = send_signed(
        &format!("{}v1/blobs/{sha}?media_type=image%2Fpng", harness.url()),
        reqwest::Method::PUT,
        png.clone(),
        &leader.credentials(),
        chrono::Utc::now(),
        |_| {},
    )
    .await;
    assert_eq!(response.status(), 201);
    let stored: serde_json::Value = response.json().await.unwrap();
    assert_eq!(stored, json!({ "sha256": sha, "size": png.len() }));
    assert_eq!(
        put_blob(sha.clone(), "?media_type=image/png", png.clone())
            .await
            .0,
        200
    );
    let mine = get_raw(&harness, &leader, &format!("v1/blobs/{sha}"), &[]).await;
    assert_eq!(mine.status(), 200, "the uploader may fetch it back");
    // Audited once, as the person's upload.
    let uploads: Vec<(String, String)> = harness
        .db
        .tx(|sql| {
            sql.query(
                "SELECT actor, subject FROM audit WHERE kind = 'opinion_file.uploaded'",
                &[],
            )?
            .iter()
            .map(|r| Ok((r.text(0)?, r.text(1)?)))
            .collect::<Result<Vec<_>, qianpi_gateway::ApiError>>()
        })
        .await
        .unwrap();
    assert_eq!(uploads, [("user-wang".to_owned(), sha.clone())]);

    // Over 2 MiB: 413 with its code; a media type that is no media type: 400.
    let big = vec![7u8; 2 * 1024 * 1024 + 1];
    assert_eq!(
        put_blob(crypto::sha256_hex(&big), "", big).await,
        (413, "body_too_large".to_owned())
    );
    assert_eq!(
        put_blob(crypto::sha256_hex(b"x"), "?media_type=png", b"x".to_vec()).await,
        (400, "bad_media_type".to_owned())
    );
    // Unsigned: 401.
    let unsigned = qianpi_tests::http()
        .put(format!(
            "{}v1/blobs/{}",
            harness.url(),
            crypto::sha256_hex(b"x")
        ))
        .body(b"x".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 401);
}
