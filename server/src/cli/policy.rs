//! The offline-policy subcommand of `qianpi-gateway`, as the deployment operator straight against
//! the database (audited as `operator-cli`): a unit's block and wipe limits, retention and
//! inactivity lock, the rule for approving an unopened body, delivered to phones with their next checkpoint,
//! and whether only phones with hardware-backed keys may activate.
//!
//! ```text
//! qianpi-gateway set-policy --unit unit-a --max-offline-block-days 3 --max-offline-wipe-days 14
//! qianpi-gateway set-policy --unit unit-a --unopened-body refuse
//! qianpi-gateway set-policy --unit unit-a --require-hardware-keys true
//! ```

use super::{with_db, DatabaseArgs};
use clap::Subcommand;
use qianpi_gateway::admin::AdminActor;
use qianpi_gateway::checkpoints::{self, PolicyChange};
use qianpi_protocol::UnopenedBodyRule;

/// The offline policy.
#[derive(Subcommand)]
pub enum Commands {
    /// Change a unit's offline policy; phones get it with their next checkpoint.
    SetPolicy {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The unit.
        #[arg(long)]
        unit: String,
        /// Days without reaching the gateway after which phones stop approving.
        #[arg(long)]
        max_offline_block_days: Option<u32>,
        /// Days without reaching the gateway after which phones erase themselves.
        #[arg(long)]
        max_offline_wipe_days: Option<u32>,
        /// Days finished items stay on phones.
        #[arg(long)]
        retention_days: Option<u32>,
        /// Minutes without use after which the app locks.
        #[arg(long)]
        inactivity_lock_minutes: Option<u32>,
        /// Approving a document whose body was never opened on the phone: allow, warn or refuse.
        #[arg(long)]
        unopened_body: Option<UnopenedBodyRule>,
        /// Only phones whose keys attested as held by secure hardware may activate (true or false).
        #[arg(long)]
        require_hardware_keys: Option<bool>,
    },
}

/// Runs one policy subcommand.
pub fn run(command: Commands) -> Result<(), String> {
    match command {
        Commands::SetPolicy {
            database,
            unit,
            max_offline_block_days,
            max_offline_wipe_days,
            retention_days,
            inactivity_lock_minutes,
            unopened_body,
            require_hardware_keys,
        } => {
            let change = PolicyChange {
                max_offline_block_days,
                max_offline_wipe_days,
                retention_days,
                inactivity_lock_minutes,
                unopened_body,
                require_hardware_keys,
            };
            let policy = with_db(&database, |db| async move {
                let now = chrono::Utc::now();
                checkpoints::set_policy(&db, &AdminActor::cli(), &unit, change, now).await
            })?;
            println!(
                "policy version {}: read-only after {} days offline, erased after {} days; \
                 approving an unopened body: {}; hardware-backed keys required: {}",
                policy.offline.version,
                policy.offline.max_offline_block_secs / 86_400,
                policy.offline.max_offline_wipe_secs / 86_400,
                policy.offline.unopened_body,
                if policy.require_hardware_keys {
                    "yes"
                } else {
                    "no"
                }
            );
            Ok(())
        }
    }
}
