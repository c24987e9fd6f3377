//! Fixtures shared by the client's tests: a client on a fresh data folder with a software key
//! vault, bound to a user the way activation binds it (a gateway statement key included), and
//! notices delivered as a pulled page delivers them, signed by that key.

use super::Client;
use crate::keys::{DeviceSigner, APPROVAL_KEY_ALIAS, REQUEST_KEY_ALIAS};
use crate::model::{Identity, Notice, NoticeScope, ReceiptForm};
use crate::protocol::statement::GatewayKey;
use crate::protocol::{Change, SyncPage};
use crate::software::SoftwareKeyVault;
use crate::store::Account;
use chrono::{DateTime, Duration, Utc};
use std::path::Path;
use std::sync::Arc;

/// The signed-in user.
pub(super) const ME: &str = "zhang";

/// A client on `root` whose vault holds a request key and an approval key, not yet bound.
pub(super) fn client(root: &Path) -> Client {
    let vault = Arc::new(SoftwareKeyVault::open(&root.join("vault"), "口令 pass").unwrap());
    vault.create_key(REQUEST_KEY_ALIAS.to_owned()).unwrap();
    vault.create_key(APPROVAL_KEY_ALIAS.to_owned()).unwrap();
    Client::open(&root.join("data"), vault.clone(), vault).unwrap()
}

/// The same client, opened again (an app restart).
pub(super) fn reopen(root: &Path) -> Client {
    let vault = Arc::new(SoftwareKeyVault::open(&root.join("vault"), "口令 pass").unwrap());
    Client::open(&root.join("data"), vault.clone(), vault).unwrap()
}

/// A fresh gateway statement key.
pub(super) fn gateway_key() -> GatewayKey {
    GatewayKey::from_pkcs8(&GatewayKey::generate_pkcs8().unwrap()).unwrap()
}

/// A gateway address where nothing answers (a closed loopback port): the phone is offline.
pub(super) const OFFLINE: &str = "http://127.0.0.1:1/";

/// A client on a fresh folder (kept alive by the returned guard), bound to [`ME`] at
/// [`OFFLINE`] and trusting the returned gateway key.
pub(super) fn offline_client() -> (tempfile::TempDir, Client, GatewayKey) {
    let root = tempfile::tempdir().unwrap();
    let client = client(root.path());
    let key = gateway_key();
    bind(&client, OFFLINE, Some(&key), 0);
    (root, client, key)
}

/// Binds `client` to [`ME`] at `server_url`, trusting `key` (none: a binding from before the
/// gateway signed anything), with the gateway's clock `offset_ms` ahead of the phone's.
pub(super) fn bind(client: &Client, server_url: &str, key: Option<&GatewayKey>, offset_ms: i64) {
    let account = Account {
        server_url: server_url.into(),
        device_id: "dev-1".into(),
        identity: person(ME, "张科长"),
        unit_name: "县农业农村局".into(),
        request_key_id: "dk_test".into(),
        approval_key_id: "ak_test".into(),
        access_token: "token-secret".into(),
        gateway_key: key.map(|k| k.public().clone()),
    };
    client
        .store()
        .unwrap()
        .save_account(&account, offset_ms)
        .unwrap();
}

/// Someone of the unit.
pub(super) fn person(user_id: &str, name: &str) -> Identity {
    Identity {
        user_id: user_id.into(),
        name: name.into(),
        post: "科员".into(),
        unit_id: "unit".into(),
    }
}

/// A notice to [`ME`] published `days_ago`, asking for an attendance reply by `deadline`.
pub(super) fn notice(
    id: &str,
    title: &str,
    days_ago: i64,
    deadline: Option<DateTime<Utc>>,
) -> Notice {
    Notice {
        id: id.into(),
        title: title.into(),
        body: "请于周五前报送春耕备耕情况".into(),
        attachments: vec![],
        publisher: person("office", "办公室"),
        published_at: Utc::now() - Duration::days(days_ago),
        scope: NoticeScope {
            people: vec![ME.into()],
            ..Default::default()
        },
        receipt_required: true,
        receipt_form: Some(ReceiptForm::attendance()),
        receipt_deadline: deadline,
    }
}

/// Files `notices` on `client` as a pulled page does, each signed by `key`.
pub(super) fn deliver(client: &Client, key: &GatewayKey, notices: &[Notice]) {
    let changes = notices
        .iter()
        .map(|n| Change::Notice {
            notice: Box::new(n.clone()),
            signed: key.sign(n).unwrap(),
        })
        .collect();
    apply(client, changes);
}

/// Files `changes` on `client` as one pulled page.
pub(super) fn apply(client: &Client, changes: Vec<Change>) {
    let page = SyncPage {
        changes,
        next_cursor: "c".into(),
        has_more: false,
        checksum: String::new(),
        checkpoint: None,
        server_time: Utc::now(),
        phrases: None,
    };
    client.store().unwrap().apply_page(&page).unwrap();
}
