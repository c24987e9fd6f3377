//! `qianpi-gateway office-account`: gives a person of the address book an account for the web
//! console, with roles in their unit, as the operator at the command line (audited as
//! `operator-cli`). The first unit administrator of a deployment is made this way; after that
//! administrators make accounts in the console.

use super::{with_db, DatabaseArgs};
use clap::Subcommand;
use qianpi_gateway::admin::AdminActor;
use qianpi_gateway::office::accounts::{self, NewAccount};
use qianpi_gateway::office::Role;
use std::io::BufRead as _;
use zeroize::Zeroizing;

/// The office-account subcommand.
#[derive(Subcommand)]
pub enum Commands {
    /// Create a console account for a person; prints the login, and the password when generated.
    /// Their first login enrols a TOTP authenticator.
    OfficeAccount {
        #[command(flatten)]
        database: DatabaseArgs,
        /// The person's unit.
        #[arg(long)]
        unit: String,
        /// The person's user id (`qianpi-gateway add-user` prints it).
        #[arg(long)]
        user: String,
        /// Comma-separated: administrator, registrar, drafter, secretary, auditor.
        #[arg(long)]
        roles: String,
        /// Read the first password from standard input (one line) instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
}

/// Runs the subcommand.
pub fn run(command: Commands) -> Result<(), String> {
    let Commands::OfficeAccount {
        database,
        unit,
        user,
        roles,
        password_stdin,
    } = command;
    let parsed: Vec<Role> = roles
        .split(',')
        .map(|r| {
            Role::parse(r).ok_or_else(|| {
                format!(
                    "unknown role {r:?} (administrator, registrar, drafter, secretary, auditor)"
                )
            })
        })
        .collect::<Result<_, _>>()?;
    let (password, generated) = if password_stdin {
        let mut line = Zeroizing::new(String::new());
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the password: {e}"))?;
        (
            Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_owned()),
            false,
        )
    } else {
        (generate()?, true)
    };
    let shown = generated.then(|| password.clone());
    let account = with_db(&database, |db| async move {
        accounts::create(
            &db,
            &AdminActor::cli(),
            &unit,
            NewAccount {
                user_id: user,
                roles: parsed,
                password,
            },
            chrono::Utc::now(),
        )
        .await
    })?;
    println!("{}", account.login);
    if let Some(password) = shown {
        println!("password: {}", password.as_str());
    }
    Ok(())
}

/// Sixteen characters from an alphabet without look-alikes (about 90 bits).
fn generate() -> Result<Zeroizing<String>, String> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY34679";
    let bytes = qianpi_protocol::crypto::random_bytes::<16>().map_err(|e| e.to_string())?;
    Ok(Zeroizing::new(
        bytes
            .iter()
            .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
            .collect(),
    ))
}
