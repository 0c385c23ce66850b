//! Case materials (SPEC §6): a township doctor posts the ECG photo, the lab
//! report and the CT of a chest-pain patient; the expert consulted sees
//! them; nobody else can — through the API, the websocket and signed URLs,
//! on the local disk and on an S3-protocol store.

use std::time::Duration;

use consilium::attachments::{Rendition, UrlSigner};
use consilium_shared::{AttachmentId, UserId};
use consilium_tests::ws::WsClient;
use consilium_tests::{Api, TEST_JWT_SECRET, attachment_fixture, s3_env};
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::support::*;

const EVENT: Duration = Duration::from_secs(5);

async fn upload(api: &Api, conversation: &str, name: &str, bytes: &[u8]) -> Value {
    let r = api.upload(conversation, name, bytes).await;
    assert_eq!(r.status, 201, "{} uploads {name}: {}", api.username(), r.body);
    r.body
}

async fn send_files(api: &Api, conversation: &str, key: &str, body: &str, files: &[&Value]) -> consilium_tests::Resp {
    let ids: Vec<&str> = files.iter().map(|f| f["id"].as_str().unwrap_or_default()).collect();
    api.post(
        &format!("/api/v1/conversations/{conversation}/messages"),
        &json!({ "client_msg_id": key, "body": body, "attachment_ids": ids }),
    )
    .await
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn pixel(img: &image::RgbImage, fx: f64, fy: f64) -> [u8; 3] {
    let x = ((img.width() as f64) * fx) as u32;
    let y = ((img.height() as f64) * fy) as u32;
    img.get_pixel(x.min(img.width() - 1), y.min(img.height() - 1)).0
}

fn user_of(url: &str) -> String {
    url.split(['?', '&'])
        .find_map(|kv| kv.strip_prefix("u="))
        .unwrap_or_default()
        .to_owned()
}

/// The story of a consult, whichever store holds the bytes.
async fn materials_flow(w: &World) {
    let case = chest_pain_case(&w.li, &w.expert).await;
    let thread = s(&case, "conversation_id");
    let consult = request_consult(&w.li, &s(&case, "id"), &[&w.qian]).await;
    let consult_thread = s(&consult, "conversation_id");
    let mut qian_ws = WsClient::connect_as(&w.qian).await;

    // a phone photo of the ECG strip, stored sideways with GPS in its EXIF
    let photo_bytes = attachment_fixture("ecg-photo-gps.jpg");
    let photo = upload(&w.li, &thread, "心电图.jpg", &photo_bytes).await;
    assert_eq!(photo["kind"], "image");
    assert_eq!(photo["content_type"], "image/jpeg");
    assert_eq!(
        (photo["width"].as_u64(), photo["height"].as_u64()),
        (Some(600), Some(800)),
        "orientation applied"
    );
    assert_eq!(photo["name"], "心电图.jpg");
    assert!(photo["preview_url"].is_string(), "{photo}");
    let sent = send_files(&w.li, &thread, "ecg-photo", "", &[&photo]).await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    assert_eq!(sent.body["message"]["body"], "");
    assert_eq!(sent.body["message"]["attachments"][0]["id"], photo["id"]);

    // what is served carries no metadata, and is upright
    let content = w.li.fetch_bytes(s(&photo, "content_url").as_str(), None, false).await;
    assert_eq!(content.status, 200);
    for marker in [
        &b"Exif\0\0"[..],
        b"ConsiliumTestCam",
        b"WardPhone",
        b"http://ns.adobe.com/xap/1.0/",
        b"consilium-xmp-marker",
    ] {
        assert!(
            !contains(&content.body, marker),
            "served bytes still hold {:?}",
            String::from_utf8_lossy(marker)
        );
    }
    assert_eq!(content.body.len() as u64, photo["size"].as_u64().unwrap_or(0));
    assert_eq!(content.header("x-content-type-options"), "nosniff");
    assert!(
        content.header("content-security-policy").contains("sandbox"),
        "{content:?}"
    );
    assert!(
        content
            .header("content-disposition")
            .contains("filename*=UTF-8''%E5%BF%83%E7%94%B5%E5%9B%BE.jpg"),
        "{}",
        content.header("content-disposition")
    );
    let served = image::load_from_memory(&content.body)
        .expect("served image decodes")
        .to_rgb8();
    assert_eq!((served.width(), served.height()), (600, 800));
    let preview = w.li.fetch_bytes(s(&photo, "preview_url").as_str(), None, false).await;
    assert_eq!(preview.status, 200);
    let preview = image::load_from_memory(&preview.body)
        .expect("preview decodes")
        .to_rgb8();
    assert!(preview.height() > preview.width(), "portrait preview");
    let red = pixel(&preview, 0.05, 0.05);
    assert!(red[0] > 150 && red[1] < 100 && red[2] < 100, "top-left is red: {red:?}");
    let blue = pixel(&preview, 0.95, 0.05);
    assert!(blue[2] > 150 && blue[0] < 100, "top-right is blue: {blue:?}");

    // the lab report, the CT and the 12-lead ECG go to the consult
    let pdf = upload(
        &w.li,
        &consult_thread,
        "血常规.pdf",
        &attachment_fixture("lab-report.pdf"),
    )
    .await;
    assert_eq!(
        (pdf["kind"].as_str(), pdf["content_type"].as_str()),
        (Some("pdf"), Some("application/pdf"))
    );
    assert!(pdf.get("preview_url").is_none());
    let ct = upload(&w.li, &consult_thread, "ct.dcm", &attachment_fixture("ct-small.dcm")).await;
    assert_eq!(ct["kind"], "dicom");
    assert_eq!(ct["dicom"]["modality"], "CT");
    assert_eq!(ct["dicom"]["study_description"], "胸部CT平扫");
    assert_eq!(ct["dicom"]["series_description"], "Chest 5mm");
    assert_eq!(
        (
            ct["dicom"]["rows"].as_u64(),
            ct["dicom"]["columns"].as_u64(),
            ct["dicom"]["frames"].as_u64()
        ),
        (Some(128), Some(128), Some(1))
    );
    let ecg = upload(
        &w.li,
        &consult_thread,
        "ecg.dcm",
        &attachment_fixture("ecg-waveform.dcm"),
    )
    .await;
    assert_eq!(ecg["kind"], "ecg");
    assert_eq!(ecg["dicom"]["modality"], "ECG");
    assert_eq!(ecg["dicom"]["frames"], 0);
    let multi = upload(&w.li, &consult_thread, "run.dcm", &attachment_fixture("multiframe.dcm")).await;
    assert_eq!(
        (multi["dicom"]["frames"].as_u64(), multi["dicom"]["modality"].as_str()),
        (Some(3), Some("XA"))
    );
    let sent = send_files(
        &w.li,
        &consult_thread,
        "consult-files",
        "检查资料见附件",
        &[&pdf, &ct, &ecg, &multi],
    )
    .await;
    assert_eq!(sent.status, 201, "{}", sent.body);

    // the consultant hears it live, with URLs signed for them
    let event = qian_ws
        .expect_event(
            |e| e["type"] == "message" && e["message"]["conversation_id"] == consult_thread.as_str(),
            EVENT,
        )
        .await;
    let live = event["message"]["attachments"].as_array().cloned().unwrap_or_default();
    assert_eq!(live.len(), 4, "{event}");
    let live_ct = live.iter().find(|a| a["id"] == ct["id"]).cloned().unwrap_or_default();
    assert_eq!(user_of(&s(&live_ct, "content_url")), w.qian.user_id());
    // the CT rendered at its own window: soft tissue mid-grey, air black, bone white
    let rendered = w
        .qian
        .fetch_bytes(s(&live_ct, "preview_url").as_str(), None, false)
        .await;
    assert_eq!(rendered.status, 200);
    let rendered = image::load_from_memory(&rendered.body)
        .expect("DICOM preview decodes")
        .to_rgb8();
    let centre = pixel(&rendered, 0.5, 0.5)[0];
    assert!(
        (110..=145).contains(&centre),
        "soft tissue at W40/L400 is mid-grey, got {centre}"
    );
    assert!(pixel(&rendered, 0.96, 0.03)[0] < 10, "air is black");
    assert!(pixel(&rendered, 0.867, 0.5)[0] > 245, "bone is white");
    let live_multi = live
        .iter()
        .find(|a| a["id"] == multi["id"])
        .cloned()
        .unwrap_or_default();
    let frame = w
        .qian
        .fetch_bytes(s(&live_multi, "preview_url").as_str(), None, false)
        .await;
    let frame = image::load_from_memory(&frame.body).expect("frame decodes").to_rgb8();
    assert!(
        pixel(&frame, 0.25, 0.5)[0] > 200 && pixel(&frame, 0.75, 0.5)[0] < 50,
        "the first frame"
    );
    // the PDF opens in the browser's viewer: inline, no sandbox
    let live_pdf = live.iter().find(|a| a["id"] == pdf["id"]).cloned().unwrap_or_default();
    let served_pdf = w
        .qian
        .fetch_bytes(s(&live_pdf, "content_url").as_str(), None, false)
        .await;
    assert_eq!(served_pdf.status, 200);
    assert!(served_pdf.body.starts_with(b"%PDF"));
    assert!(served_pdf.header("content-disposition").starts_with("inline"));
    assert!(!served_pdf.header("content-security-policy").contains("sandbox"));
    // history gives the same files, signed for the reader
    let items = message_items(&w.qian, &consult_thread).await;
    let with_files = items
        .iter()
        .find(|m| m["client_msg_id"] == "consult-files")
        .cloned()
        .unwrap_or_default();
    assert_eq!(with_files["attachments"].as_array().map(Vec::len), Some(4));
    assert_eq!(
        user_of(&s(&with_files["attachments"][0], "content_url")),
        w.qian.user_id()
    );

    // Range, for large files
    let part = w
        .qian
        .fetch_bytes(s(&live_pdf, "content_url").as_str(), Some("bytes=0-9"), false)
        .await;
    assert_eq!(part.status, 206);
    assert_eq!(part.body, served_pdf.body[..10].to_vec());
    assert_eq!(
        part.header("content-range"),
        format!("bytes 0-9/{}", served_pdf.body.len())
    );
    let beyond = w
        .qian
        .fetch_bytes(s(&live_pdf, "content_url").as_str(), Some("bytes=999999-"), false)
        .await;
    assert_eq!(beyond.status, 416);

    // the case's materials: everything for its doctor, the consult's for the consultant
    let all = w.li.get(&format!("/api/v1/cases/{}/attachments", s(&case, "id"))).await;
    assert_eq!(all.status, 200, "{}", all.body);
    let listed: Vec<String> = ids(&all.body["items"]);
    assert_eq!(listed.len(), 5, "{}", all.body);
    assert_eq!(
        listed.last(),
        photo["id"].as_str().map(str::to_owned).as_ref(),
        "newest first"
    );
    let paged =
        w.li.get(&format!("/api/v1/cases/{}/attachments?limit=2", s(&case, "id")))
            .await;
    assert_eq!(paged.body["items"].as_array().map(Vec::len), Some(2));
    let cursor = paged.body["next_cursor"].as_str().unwrap_or_default().to_owned();
    let next =
        w.li.get(&format!(
            "/api/v1/cases/{}/attachments?limit=2&cursor={cursor}",
            s(&case, "id")
        ))
        .await;
    assert_eq!(ids(&next.body["items"]), listed[2..4].to_vec());
    let theirs = w
        .qian
        .get(&format!("/api/v1/cases/{}/attachments", s(&case, "id")))
        .await;
    assert_eq!(theirs.status, 200, "{}", theirs.body);
    let theirs = ids(&theirs.body["items"]);
    assert!(
        theirs.len() >= 4 && theirs.iter().all(|id| listed.contains(id)),
        "{theirs:?}"
    );

    // outsiders: 404 everywhere, even holding a genuine URL
    let r = w.zhao.get(&format!("/api/v1/attachments/{}", s(&ct, "id"))).await;
    assert_error(&r, 404, "an outsider reads an attachment");
    let r = w
        .zhao
        .get(&format!("/api/v1/cases/{}/attachments", s(&case, "id")))
        .await;
    assert_error(&r, 404, "an outsider lists a case's materials");
    let stolen = w
        .zhao
        .fetch_bytes(s(&live_pdf, "content_url").as_str(), None, true)
        .await;
    assert_eq!(stolen.status, 404, "a URL used with another user's token");
    let r = w
        .zhao
        .upload(&thread, "x.pdf", &attachment_fixture("lab-report.pdf"))
        .await;
    assert_error(&r, 404, "an outsider uploads");

    // uploads and downloads are audited
    let uploads = consilium_tests::fixtures::audit(&w.app.admin, "attachment.upload").await;
    assert!(uploads.len() >= 5, "{uploads:?}");
    let reads = consilium_tests::fixtures::audit(&w.app.admin, "attachment.read").await;
    assert!(
        reads.iter().any(|e| e["actor_id"] == w.qian.user_id().as_str()),
        "{reads:?}"
    );
}

#[tokio::test]
async fn materials_on_the_local_disk() {
    let w = World::new().await;
    materials_flow(&w).await;
}

#[tokio::test]
async fn materials_on_an_s3_store() {
    let w = World::with_env(Bus::Local, s3_env().await).await;
    materials_flow(&w).await;
    // content-addressed: the same report twice is one object, two attachments
    let case = chest_pain_case(&w.ma, &w.county).await;
    let thread = s(&case, "conversation_id");
    let report = attachment_fixture("lab-report.pdf");
    let a = upload(&w.ma, &thread, "a.pdf", &report).await;
    let b = upload(&w.ma, &thread, "b.pdf", &report).await;
    assert_ne!(a["id"], b["id"]);
    assert_eq!(a["sha256"], b["sha256"]);
}

#[tokio::test]
async fn the_same_file_is_stored_once_on_disk() {
    let dir = std::env::temp_dir().join(format!("consilium-dedupe-{}", uuid::Uuid::new_v4().simple()));
    let w = World::with_env(Bus::Local, vec![("STORAGE_DIR".into(), dir.display().to_string())]).await;
    let case = chest_pain_case(&w.ma, &w.county).await;
    let thread = s(&case, "conversation_id");
    let report = attachment_fixture("lab-report.pdf");
    let a = upload(&w.ma, &thread, "a.pdf", &report).await;
    let b = upload(&w.ma, &thread, "b.pdf", &report).await;
    assert_eq!(a["sha256"], b["sha256"]);
    let blobs: Vec<_> = std::fs::read_dir(dir.join("blobs"))
        .map(|d| d.flatten().collect())
        .unwrap_or_default();
    assert_eq!(blobs.len(), 1, "one stored copy");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_large_upload_is_stored_byte_for_byte_under_its_own_hash() {
    use sha2::Digest;
    let dir = std::env::temp_dir().join(format!("consilium-large-{}", uuid::Uuid::new_v4().simple()));
    let w = World::with_env(Bus::Local, vec![("STORAGE_DIR".into(), dir.display().to_string())]).await;
    let case = chest_pain_case(&w.ma, &w.county).await;
    let thread = s(&case, "conversation_id");
    // 14 MiB of a scanned report: the request arrives in many pieces, which
    // the hashing and the writing threads each see in order, and the writer
    // hands its first steps to the disk and drops them from the page cache
    // before the last byte comes (the stored file must not notice)
    let mut scan = b"%PDF-1.7\n".to_vec();
    let mut x: u32 = 0x2545_f491;
    while scan.len() < 14 * 1024 * 1024 + 12_345 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        scan.extend_from_slice(&x.to_le_bytes());
    }
    let stored = upload(&w.ma, &thread, "scan.pdf", &scan).await;
    let sha256 = hex::encode(sha2::Sha256::digest(&scan));
    assert_eq!(stored["sha256"], sha256.as_str());
    assert_eq!(stored["size"], scan.len());
    let on_disk = std::fs::read(dir.join("blobs").join(&sha256)).unwrap_or_default();
    assert!(
        on_disk == scan,
        "the blob holds {} bytes, not the upload's",
        on_disk.len()
    );
    let spool: Vec<_> = std::fs::read_dir(dir.join("tmp"))
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(spool.is_empty(), "nothing left in the spool: {spool:?}");
    let served = w.ma.fetch_bytes(s(&stored, "content_url").as_str(), None, false).await;
    assert_eq!(served.status, 200);
    assert!(served.body == scan, "served as uploaded");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Opens an upload and sends its first 64 KiB of a 10 MB file, then goes
/// quiet, as a phone losing its signal does; the socket keeps it open.
async fn stalled_upload(api: &Api, conversation: &str) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let address = api.base.trim_start_matches("http://").to_owned();
    let mut socket = tokio::net::TcpStream::connect(&address)
        .await
        .unwrap_or_else(|e| panic!("connect to {address}: {e}"));
    let mut body =
        b"--stall\r\nContent-Disposition: form-data; name=\"file\"; filename=\"ct.pdf\"\r\n\r\n%PDF-1.7\n".to_vec();
    body.resize(64 * 1024, b'x');
    let head = format!(
        "POST /api/v1/conversations/{conversation}/attachments HTTP/1.1\r\nHost: {address}\r\n\
         Authorization: Bearer {}\r\nContent-Type: multipart/form-data; boundary=stall\r\n\
         Content-Length: 10000000\r\n\r\n",
        api.token.as_deref().unwrap_or_default()
    );
    socket.write_all(head.as_bytes()).await.unwrap_or_default();
    socket.write_all(&body).await.unwrap_or_default();
    socket
}

#[tokio::test]
async fn uploads_that_stall_do_not_hold_up_the_others() {
    let w = World::new().await;
    let case = chest_pain_case(&w.ma, &w.county).await;
    let thread = s(&case, "conversation_id");
    // more stalled uploads than the node reads at once (one per core)
    let turns = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut stalled = Vec::new();
    for _ in 0..=turns {
        stalled.push(stalled_upload(&w.ma, &thread).await);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let report = attachment_fixture("lab-report.pdf");
    let answered = tokio::time::timeout(Duration::from_secs(15), w.huang.upload(&thread, "echo.pdf", &report)).await;
    let r = answered.unwrap_or_else(|_| panic!("an upload waited behind {} stalled ones", stalled.len()));
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["name"], "echo.pdf");
    drop(stalled);
}

#[tokio::test]
async fn bad_files_are_refused_with_a_reason_and_nothing_is_stored() {
    let w = World::with_env(Bus::Local, vec![("ATTACHMENT_MAX_BYTES".into(), "1048576".into())]).await;
    let case = chest_pain_case(&w.ma, &w.county).await;
    let thread = s(&case, "conversation_id");
    let before = w.count("select count(*) from attachments").await;
    for (file, status, reason) in [
        ("program.exe", 415, "unsupported_file_type"),
        ("random.bin", 415, "unsupported_file_type"),
        ("bomb.png", 400, "image_too_large"),
        ("broken.dcm", 400, "file_corrupt"),
    ] {
        // a misleading name changes nothing
        let r = w.ma.upload(&thread, "report.pdf", &attachment_fixture(file)).await;
        assert_eq!(
            (r.status, r.body["error"]["reason"].as_str()),
            (status, Some(reason)),
            "{file}: {}",
            r.body
        );
    }
    let truncated =
        w.ma.upload(&thread, "cut.jpg", &attachment_fixture("truncated.jpg"))
            .await;
    assert!(truncated.status == 400 || truncated.status == 201, "{}", truncated.body);
    if truncated.status == 201 {
        assert_eq!(
            (truncated.body["width"].as_u64(), truncated.body["height"].as_u64()),
            (Some(600), Some(800))
        );
    }
    let r = w.ma.upload(&thread, "empty.txt", b"").await;
    assert_eq!(r.body["error"]["reason"], "file_empty", "{}", r.body);
    let big = vec![b'a'; 2 * 1024 * 1024];
    let r = w.ma.upload(&thread, "big.txt", &big).await;
    assert_eq!(
        (r.status, r.body["error"]["reason"].as_str()),
        (413, Some("file_too_large")),
        "{}",
        r.body
    );
    let r =
        w.ma.send_raw(
            reqwest::Method::POST,
            &format!("/api/v1/conversations/{thread}/attachments"),
            "application/pdf",
            b"%PDF-1.4".to_vec(),
        )
        .await;
    assert_eq!(
        (r.status, r.body["error"]["reason"].as_str()),
        (400, Some("upload_malformed")),
        "{}",
        r.body
    );
    let no_file = "--b\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nhello\r\n--b--\r\n";
    let r =
        w.ma.send_raw(
            reqwest::Method::POST,
            &format!("/api/v1/conversations/{thread}/attachments"),
            "multipart/form-data; boundary=b",
            no_file.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(
        (r.status, r.body["error"]["reason"].as_str()),
        (400, Some("upload_malformed")),
        "{}",
        r.body
    );
    let cut = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhello";
    let r =
        w.ma.send_raw(
            reqwest::Method::POST,
            &format!("/api/v1/conversations/{thread}/attachments"),
            "multipart/form-data; boundary=b",
            cut.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(
        (r.status, r.body["error"]["reason"].as_str()),
        (400, Some("upload_malformed")),
        "{}",
        r.body
    );
    let stored = w.count("select count(*) from attachments").await - before;
    assert_eq!(stored, i64::from(truncated.status == 201), "refused files leave no row");

    // hostile names are stored safely and served with a correct Content-Disposition
    for (raw, safe) in [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("say \"hi\".txt", "say \"hi\".txt"),
    ] {
        let f = upload(&w.ma, &thread, raw, "检验结果：正常\n".as_bytes()).await;
        assert_eq!(f["name"], safe, "{raw:?}");
        let got = w.ma.fetch_bytes(s(&f, "content_url").as_str(), None, false).await;
        assert_eq!(got.status, 200);
        let cd = got.header("content-disposition");
        assert!(
            cd.starts_with("attachment;") && !cd.contains('\n') && !cd.contains(".."),
            "{cd}"
        );
    }
    // control characters arrive percent-encoded in `filename*` (RFC 7578 / 5987)
    let body = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''a%01b%09%0D%0Ac%7F.txt\r\n\r\nnotes\r\n--b--\r\n";
    let r =
        w.ma.send_raw(
            reqwest::Method::POST,
            &format!("/api/v1/conversations/{thread}/attachments"),
            "multipart/form-data; boundary=b",
            body.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(
        (r.status, r.body["name"].as_str()),
        (201, Some("abc.txt")),
        "{}",
        r.body
    );
    let long = format!("{}.txt", "长".repeat(1000));
    let f = upload(&w.ma, &thread, &long, b"notes").await;
    assert_eq!(f["name"].as_str().map(|n| n.chars().count()), Some(255));
    assert!(f["name"].as_str().is_some_and(|n| n.ends_with(".txt")));
    let csv = upload(&w.ma, &thread, "labs.csv", &attachment_fixture("labs.csv")).await;
    assert_eq!(
        (csv["kind"].as_str(), csv["content_type"].as_str()),
        (Some("document"), Some("text/csv; charset=utf-8"))
    );
    let docx = upload(&w.ma, &thread, "出院小结.docx", &attachment_fixture("discharge.docx")).await;
    assert_eq!(
        docx["content_type"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    let png = upload(&w.ma, &thread, "wound.png", &attachment_fixture("wound.png")).await;
    let served = w.ma.fetch_bytes(s(&png, "content_url").as_str(), None, false).await;
    assert!(
        !contains(&served.body, b"eXIf")
            && !contains(&served.body, b"ConsiliumTestCam")
            && !contains(&served.body, b"patient photo")
    );
    assert_eq!((png["width"].as_u64(), png["height"].as_u64()), (Some(640), Some(480)));
}

#[tokio::test]
async fn a_message_takes_only_the_senders_own_unsent_uploads() {
    let w = World::new().await;
    let case = chest_pain_case(&w.li, &w.expert).await;
    let thread = s(&case, "conversation_id");
    let other_case = chest_pain_case(&w.li, &w.expert).await;
    let other_thread = s(&other_case, "conversation_id");
    let report = attachment_fixture("lab-report.pdf");
    let mine = upload(&w.li, &thread, "mine.pdf", &report).await;
    let chens = upload(&w.chen, &thread, "chen.pdf", &report).await;
    let elsewhere = upload(&w.li, &other_thread, "other.pdf", &report).await;
    let messages_before = w.count("select count(*) from messages").await;

    let r = send_files(&w.li, &thread, "m1", "", &[&chens]).await;
    assert_eq!(
        (r.status, r.body["error"]["reason"].as_str()),
        (400, Some("attachment_unavailable")),
        "{}",
        r.body
    );
    let r = send_files(&w.li, &thread, "m2", "", &[&elsewhere]).await;
    assert_eq!(
        (r.status, r.body["error"]["reason"].as_str()),
        (400, Some("attachment_unavailable")),
        "{}",
        r.body
    );
    let unknown = json!({ "id": AttachmentId::new().to_string() });
    let r = send_files(&w.li, &thread, "m3", "", &[&unknown]).await;
    assert_eq!(r.status, 400, "{}", r.body);
    let many: Vec<&Value> = std::iter::repeat_n(&mine, 21).collect();
    let r = send_files(&w.li, &thread, "m4", "", &many).await;
    assert_eq!(
        (r.status, r.body["error"]["reason"].as_str()),
        (400, Some("too_many_attachments")),
        "{}",
        r.body
    );
    let r =
        w.li.post(
            &format!("/api/v1/conversations/{thread}/messages"),
            &json!({ "client_msg_id": "m5", "body": "" }),
        )
        .await;
    assert_eq!(r.status, 400, "an empty body needs files: {}", r.body);
    assert_eq!(
        w.count("select count(*) from messages").await,
        messages_before,
        "no message stored"
    );
    // a pending upload is its uploader's alone
    let r = w.chen.get(&format!("/api/v1/attachments/{}", s(&mine, "id"))).await;
    assert_error(&r, 404, "someone else's pending upload");

    let sent = send_files(&w.li, &thread, "m6", "化验单", &[&mine]).await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    let again = send_files(&w.li, &thread, "m6", "化验单", &[&mine]).await;
    assert_eq!(again.status, 200, "a resend answers with the original: {}", again.body);
    assert_eq!(again.body["message"]["attachments"][0]["id"], mine["id"]);
    let r = send_files(&w.li, &thread, "m7", "again", &[&mine]).await;
    assert_eq!(
        (r.status, r.body["error"]["reason"].as_str()),
        (409, Some("attachment_already_sent")),
        "{}",
        r.body
    );
    // now the team sees it
    let r = w.chen.get(&format!("/api/v1/attachments/{}", s(&mine, "id"))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let chen_url = s(&r.body, "content_url");

    // the websocket send takes files too
    let mut ws = WsClient::connect_as(&w.li).await;
    let photo = upload(&w.li, &thread, "p.png", &attachment_fixture("wound.png")).await;
    let ack = ws
        .request(json!({ "type": "send", "conversation_id": thread, "client_msg_id": "ws-1", "body": "", "attachment_ids": [photo["id"]] }))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");

    // recall hides the files from every reader
    let seq = sent.body["message"]["seq"].as_i64().unwrap_or_default();
    let r =
        w.li.post(
            &format!("/api/v1/conversations/{thread}/messages/{seq}/recall"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["attachments"].as_array().map(Vec::len), Some(0));
    let items = message_items(&w.chen, &thread).await;
    let recalled = items.iter().find(|m| m["seq"] == seq).cloned().unwrap_or_default();
    assert_eq!(recalled["attachments"].as_array().map(Vec::len), Some(0));
    let r = w.chen.get(&format!("/api/v1/attachments/{}", s(&mine, "id"))).await;
    assert_error(&r, 404, "a recalled message's file");
    let r = w.chen.fetch_bytes(&chen_url, None, false).await;
    assert_eq!(r.status, 404, "its signed URL stops working");
}

#[tokio::test]
async fn signed_urls_are_bound_to_their_user_and_expire() {
    let w = World::new().await;
    let case = chest_pain_case(&w.li, &w.expert).await;
    let thread = s(&case, "conversation_id");
    let f = upload(&w.li, &thread, "r.pdf", &attachment_fixture("lab-report.pdf")).await;
    let sent = send_files(&w.li, &thread, "k", "", &[&f]).await;
    assert_eq!(sent.status, 201);
    let url = s(&f, "content_url");
    assert_eq!(
        w.chen.fetch_bytes(&url, None, false).await.status,
        200,
        "works without a token"
    );
    // the uploader's own token with the uploader's URL is fine; another user's is not
    assert_eq!(w.li.fetch_bytes(&url, None, true).await.status, 200);
    assert_eq!(w.chen.fetch_bytes(&url, None, true).await.status, 404);
    let altered_sig = format!("{}A", &url);
    assert_eq!(w.chen.fetch_bytes(&altered_sig, None, false).await.status, 404);
    let later = url.split("&e=").next().unwrap_or_default().to_owned();
    let altered_expiry = format!("{later}&e=99999999999&s=x");
    assert_eq!(w.chen.fetch_bytes(&altered_expiry, None, false).await.status, 404);
    let other_user = url.replace(&w.li.user_id(), &w.chen.user_id());
    assert_eq!(w.chen.fetch_bytes(&other_user, None, false).await.status, 404);
    assert_eq!(
        w.chen
            .fetch_bytes(&url.replace("/content?", "/preview?"), None, false)
            .await
            .status,
        404
    );
    // genuinely signed, but expired
    let signer = UrlSigner::new(&SecretString::from(TEST_JWT_SECRET), Duration::from_secs(900));
    let id: AttachmentId = s(&f, "id").parse().expect("id");
    let user: UserId = w.li.user_id().parse().expect("user id");
    let fresh = signer.url_expiring_at(id, Rendition::Content, user, chrono::Utc::now().timestamp() + 600);
    assert_eq!(
        w.li.fetch_bytes(&fresh, None, false).await.status,
        200,
        "a URL the test signed works"
    );
    let expired = signer.url_expiring_at(id, Rendition::Content, user, chrono::Utc::now().timestamp() - 1);
    let r = w.li.fetch_bytes(&expired, None, false).await;
    assert_eq!(r.status, 404);
    assert!(String::from_utf8_lossy(&r.body).contains("attachment_not_found"));
}
