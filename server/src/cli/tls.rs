//! `qianpi-gateway tls`: a private CA for a bureau that has none, and renewing the server
//! certificate under it (the library's [`qianpi_gateway::tls::init`] does the work):
//!
//! ```text
//! qianpi-gateway tls init --dir ./tls --name gateway.example.gov.cn --name 10.1.2.3 [--days 825] [--force]
//! qianpi-gateway tls renew --dir ./tls --name gateway.example.gov.cn --name 10.1.2.3 [--days 825]
//! ```
//!
//! Both print the SPKI pins to hand to the phones with `ca.pem`, and write them to `pins.txt`.

use clap::Subcommand;
use qianpi_gateway::tls::init::{self, Generated};
use std::path::PathBuf;

/// The private CA's subcommands.
#[derive(Subcommand)]
pub enum Commands {
    /// Create a private CA and a server certificate for the gateway's names, and print the pins.
    Init {
        /// The folder for ca.pem, ca-key.pem, server.pem, server-key.pem and pins.txt.
        #[arg(long)]
        dir: PathBuf,
        /// A DNS name or IP address phones use to reach the gateway; repeatable.
        #[arg(long = "name", required = true)]
        names: Vec<String>,
        /// Days the server certificate is valid.
        #[arg(long, default_value_t = init::SERVER_DAYS)]
        days: u32,
        /// Replace existing files (a new CA: every phone needs the new ca.pem and pins).
        #[arg(long)]
        force: bool,
    },
    /// A new server key and certificate under the CA in the folder, written over server.pem and
    /// server-key.pem; a running gateway serves them within seconds, without a restart.
    Renew {
        /// The folder `tls init` wrote.
        #[arg(long)]
        dir: PathBuf,
        /// A DNS name or IP address phones use to reach the gateway; repeatable.
        #[arg(long = "name", required = true)]
        names: Vec<String>,
        /// Days the server certificate is valid.
        #[arg(long, default_value_t = init::SERVER_DAYS)]
        days: u32,
    },
}

/// Runs a `tls` subcommand.
pub fn run(command: Commands) -> Result<(), String> {
    let made = match command {
        Commands::Init {
            dir,
            names,
            days,
            force,
        } => init::generate(&dir, &names, days, force),
        Commands::Renew { dir, names, days } => init::renew(&dir, &names, days),
    }
    .map_err(|e| e.to_string())?;
    print(&made);
    Ok(())
}

fn print(made: &Generated) {
    let files = made.files();
    println!(
        "CA certificate (give it to the phones): {}",
        made.ca_cert().display()
    );
    println!(
        "serve with: qianpi-gateway serve --tls-cert {} --tls-key {}",
        files.cert.display(),
        files.key.display()
    );
    println!(
        "pins for the phones (also in {}):",
        made.dir.join(init::PINS).display()
    );
    println!("{}  server key", made.server_pin);
    println!("{}  CA key (backup pin)", made.ca_pin);
}
