//! The facade a shell talks to: open the store, activate the device, list the inbox, approve
//! (offline first), sync, read the outbox and verdicts, notices and files, and watch what changes
//! (`client/*.rs`). It delegates: rules to `workflow`, persistence to `store`, transport to
//! `link`, keys to the platform traits.
//!
//! No Rust lock is ever held while a platform key service runs (it may show a biometric prompt,
//! or call back into the core): state is read, the lock released, the signature made, and the
//! write re-checks that nothing moved meanwhile.

use crate::crypto::CryptoError;
use crate::files::FileError;
use crate::keys::{DeviceSigner, KeyError, KeyStore, PlatformKeyError};
use crate::link::{LinkError, Proxy};
use crate::model::{Attitude, Opinion};
use crate::protocol::record::RecordError;
use crate::session::{self, SessionError};
use crate::store::{Account, OutboxRow, StoreError, VerdictRow};
use crate::workflow::{Command, Rejection};
use chrono::{DateTime, Utc};
use parking_lot::Mutex;
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod actions;
mod activation;
mod blobs;
mod bodies;
mod connection;
mod detail;
mod lifecycle;
mod local;
mod notices;
mod observe;
mod opinion_files;
mod people;
mod phrases;
mod presence;
mod push;
mod search;
mod statements;
mod sync;
#[cfg(test)]
mod test_support;
mod views;
pub use actions::{BatchEntry, BatchOutcome, Verdict};
pub use activation::{fingerprint_words, Attestation, AttestationError, Attester, DeviceInfo};
pub use blobs::{BlobError, ProgressListener};
pub use bodies::{
    is_approving, FileStream, Network, PrefetchFailure, PrefetchListener, PrefetchProgress,
    PrefetchReport, PREFETCH_BUDGET,
};
use lifecycle::Session;
pub use notices::{NoticeAttachment, NoticeDetail, NoticeError, NoticeSummary};
pub use observe::{Generations, ListsOverview, OutboxOverview};
pub use opinion_files::OpinionFileError;
pub use people::PeopleSync;
pub use phrases::{PhraseError, PhraseList};
pub use presence::PreparedAction;
pub use search::{SearchError, MAX_QUERY_CHARS, MAX_RESULTS};
use sync::offset_ms;
pub use sync::{SyncActivity, SyncHandle, SyncStatus};
use views::inbox_item;
pub use views::{InboxItem, QueuedCommand, RouteChoice, SyncReport};

pub use crate::session::DATABASE_FILE;
/// How often `approve` retries when another action took the device counter at the same moment.
const ENQUEUE_ATTEMPTS: usize = 3;
/// The inbox shows at most this many tasks (pending ones come first).
const INBOX_LIMIT: usize = 500;

/// Errors a shell sees.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The data key could not be loaded.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The platform key service failed.
    #[error(transparent)]
    Platform(#[from] PlatformKeyError),
    /// The local store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Talking to the gateway failed.
    #[error(transparent)]
    Link(#[from] LinkError),
    /// A signature was malformed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// A command record could not be built.
    #[error(transparent)]
    Record(#[from] RecordError),
    /// The device has not been activated yet.
    #[error("this device is not activated yet; activate it with a code from your administrator")]
    NotActivated,
    /// The phone acts on tasks of its inbox; this command names none (e.g. revoke, which the
    /// initiator's list will offer).
    #[error("this action does not name a task of the inbox, and the phone only acts on tasks")]
    NeedsTask,
    /// No such item in the inbox.
    #[error("no task {0} in the inbox")]
    NoSuchTask(String),
    /// Nothing with this id (task, read item, instance or document) is on this phone.
    #[error("no document, task or read item {0} is on this phone; sync to receive it")]
    NoSuchDocument(String),
    /// The workflow refused the action (shown to the user with its reason).
    #[error("the action is not allowed: {0}")]
    Rejected(#[from] Rejection),
    /// The gateway's activation answer does not match this device's keys.
    #[error("the gateway registered different keys than this device holds; activation aborted")]
    KeyMismatch,
    /// The data folder could not be created.
    #[error("the data folder could not be created: {0}")]
    Io(#[from] std::io::Error),
    /// A wipe stopped midway; it finishes at the next open.
    #[error(transparent)]
    Session(SessionError),
    /// An encrypted file could not be stored or read.
    #[error(transparent)]
    Files(#[from] FileError),
    /// The account predates signed gateway answers: nothing the gateway states can be checked.
    #[error("this device was bound before the gateway signed its answers; activate it again")]
    GatewayKeyUnknown,
    /// A signed answer of the gateway (receipt, checkpoint, notice, page checksum) does not
    /// verify: nothing of it was applied.
    #[error("the gateway's signed answer does not verify ({0}); the network may be tampering with the connection")]
    BadStatement(String),
    /// The phone has not reached the gateway for longer than the policy allows: it may read but
    /// not decide until it syncs again.
    #[error(
        "this phone has not reached the office since {since}; connect and sync before approving"
    )]
    ReadOnly {
        /// When the last checkpoint was issued.
        since: DateTime<Utc>,
    },
    /// The phone erased its data: ordered by the gateway, or offline for longer than the policy
    /// allows.
    #[error("this phone erased its data ({0}); activate it again with a new code")]
    Wiped(String),
    /// A notice cannot be shown or replied to.
    #[error(transparent)]
    Notice(#[from] NoticeError),
    /// A file could not be downloaded.
    #[error(transparent)]
    Blob(#[from] BlobError),
    /// 常用意见 — the edit cannot be made.
    #[error(transparent)]
    Phrase(#[from] PhraseError),
    /// 手写签批 / 语音 — the file cannot be attached to an opinion.
    #[error(transparent)]
    OpinionFile(#[from] OpinionFileError),
    /// 全文检索 — the query cannot be searched (empty, or too long).
    #[error(transparent)]
    Search(#[from] SearchError),
    /// An attested activation could not be completed (nothing was registered).
    #[error(transparent)]
    Attestation(#[from] AttestationError),
    /// The unit refuses approvals of a body never opened on this phone, and the body of this
    /// document (the version an approval would name) was not: nothing was signed or queued.
    #[error("the body of document {0} was never opened on this phone, and your unit requires reading it before approving: open it first")]
    UnopenedBody(String),
}

impl From<SessionError> for ClientError {
    /// Keeps the underlying kind visible: a wrong key is a store error whether it came from
    /// opening the folder or from a query.
    fn from(error: SessionError) -> ClientError {
        match error {
            SessionError::Key(e) => ClientError::Key(e),
            SessionError::Store(e) => ClientError::Store(e),
            SessionError::Files(e) => ClientError::Files(e),
            SessionError::Platform(e) => ClientError::Platform(e),
            SessionError::Io(e) => ClientError::Io(e),
            other @ SessionError::WipeInterrupted(_) => ClientError::Session(other),
        }
    }
}

/// The device's wall clock. The gateway offset corrects it; shells may hand in a better source.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The phone core.
pub struct Client {
    session: Mutex<Session>,
    /// What changed, for the screens' observers (`observe.rs`).
    changes: observe::ChangeSender,
    /// The sync's status and turn (`sync/status.rs`).
    sync: sync::SyncShared,
    clock: Clock,
    /// Files being downloaded now, by SHA-256 (one download per file at a time).
    downloading: Mutex<std::collections::HashSet<String>>,
    keystore: Arc<dyn KeyStore>,
    signer: Arc<dyn DeviceSigner>,
    /// The proxy of the network the phone is on now (`connection.rs`).
    proxy: Mutex<Option<Proxy>>,
    data_dir: PathBuf,
}

impl Client {
    /// Opens the encrypted data in `data_dir`, unwrapping its data key through `keystore` (a key
    /// is generated and wrapped on first use). A wipe a crash interrupted is finished first; a
    /// phone offline for longer than its policy's wipe limit erases itself and answers
    /// [`ClientError::Wiped`] (opening again then gives an empty, unactivated phone).
    pub fn open(
        data_dir: &Path,
        keystore: Arc<dyn KeyStore>,
        signer: Arc<dyn DeviceSigner>,
    ) -> Result<Client, ClientError> {
        let unlocked = session::unlock(data_dir, keystore.as_ref())?;
        let (changes, _) = tokio::sync::watch::channel(observe::Generations::default());
        let client = Client {
            session: Mutex::new(Session::new(unlocked, changes.clone())?),
            changes,
            sync: sync::SyncShared::new(),
            clock: Arc::new(Utc::now),
            downloading: Mutex::new(std::collections::HashSet::new()),
            keystore,
            signer,
            proxy: Mutex::new(None),
            data_dir: data_dir.to_owned(),
        };
        client.enforce_wipe_limit()?;
        Ok(client)
    }

    /// Reads time from `clock` instead of the system clock (a platform's network time, say, or
    /// a test moving days ahead). The offline limits are checked again at once.
    pub fn with_clock(mut self, clock: Clock) -> Result<Client, ClientError> {
        self.clock = clock;
        self.enforce_wipe_limit()?;
        Ok(self)
    }

    /// The device's clock, uncorrected.
    pub(crate) fn device_now(&self) -> DateTime<Utc> {
        (self.clock)()
    }

    /// The data folder.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The account, once activated.
    pub fn account(&self) -> Result<Option<Account>, ClientError> {
        Ok(self.store()?.account()?.map(|(account, _)| account))
    }

    /// The inbox, pending first, with what the user may do on each item.
    pub fn inbox(&self) -> Result<Vec<InboxItem>, ClientError> {
        let store = self.store()?;
        let (account, _) = store.account()?.ok_or(ClientError::NotActivated)?;
        Ok(store
            .inbox(INBOX_LIMIT)?
            .iter()
            .map(|row| inbox_item(row, &account.identity.user_id, self.device_now()))
            .collect())
    }

    /// Approves (attitude 同意 or 不同意) a pending task with an opinion, by the node's only
    /// route. Works offline, like every [`Client::act`].
    pub fn approve(
        &self,
        task_id: &str,
        attitude: Attitude,
        opinion_text: &str,
    ) -> Result<QueuedCommand, ClientError> {
        let opinion = Opinion::new(attitude, opinion_text);
        self.act(Command::Approve {
            task_id: task_id.to_owned(),
            route: None,
            opinion,
        })
    }

    /// Acts on a task: the command is checked by the workflow on the local copy, signed with the
    /// approval key, and written with the optimistic state to the outbox in one transaction. Works
    /// offline; `sync` delivers it.
    pub fn act(&self, command: Command) -> Result<QueuedCommand, ClientError> {
        for _ in 1..ENQUEUE_ATTEMPTS {
            match self.try_act(&command) {
                Err(ClientError::Store(StoreError::Contended)) => continue,
                other => return other,
            }
        }
        // The last attempt's answer, whatever it is.
        self.try_act(&command)
    }

    fn try_act(&self, command: &Command) -> Result<QueuedCommand, ClientError> {
        // A task-level action names its task: it is how the inbox finds the instance it acts on
        // (actions on the whole flow go through `act_on_flow`).
        let task_id = command.task_id().ok_or(ClientError::NeedsTask)?;
        self.queue(task_id, command, None)
    }

    /// Commands waiting for the gateway, in order.
    pub fn outbox(&self) -> Result<Vec<OutboxRow>, ClientError> {
        Ok(self.store()?.outbox()?)
    }

    /// Verdicts received, newest first; refused ones stay here with their reason.
    pub fn verdicts(&self) -> Result<Vec<VerdictRow>, ClientError> {
        Ok(self.store()?.verdicts()?)
    }
}
