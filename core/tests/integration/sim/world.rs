//! One simulated day: the real sync engine of each phone (`qianpi_core::engine::Engine`), a
//! driver that does what it asks against the phone's model store, the simulated network and the
//! in-process gateway, all in one discrete-event loop on a simulated clock. Faults (network
//! faults, gateway and phone crashes, lost networks, background and foreground, clock jumps)
//! happen until `fault_ms`; then a quiet tail lets everything settle before the properties are
//! checked (`checks.rs`).

use super::gateway::{Gateway, GatewayMutations, Page, PushAnswer, SimCommand};
use super::net::{Faults, Network};
use super::phone::{PhoneMutations, PhoneStore};
use super::rng::Rng;
use qianpi_core::engine::{Engine, Event, Failure, FailureKind};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

mod background;
mod driver;
mod exchange;
mod life;

/// How a run is set up.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) seed: u64,
    pub(crate) fault_ms: u64,
    pub(crate) quiet_ms: u64,
    pub(crate) trace: bool,
    pub(crate) gateway_mutations: GatewayMutations,
    pub(crate) phone_mutations: PhoneMutations,
}

/// A clock-jump larger than the gateway's window makes signed requests refused until the driver
/// learns the gateway's time again (as `outside_window` does).
const CLOCK_WINDOW_MS: i64 = 5 * 60_000;
/// At most this many engine actions for one phone in one simulated second.
const ACTIONS_PER_SECOND: u32 = 60;
/// At most this many requests from one phone in one simulated minute: a link that cuts every
/// request costs a few halvings and then backoff, never a request a second.
pub(super) const REQUESTS_PER_MINUTE: u32 = 120;
/// At most this many 回执 go in one request.
const RECEIPT_BATCH: usize = 20;
/// A run that needs more events than this never settles.
const MAX_EVENTS: u64 = 400_000;

#[derive(Debug, Clone)]
enum Sent {
    Push(Vec<SimCommand>),
    Pull {
        cursor: String,
        limit: usize,
        wait_ms: u64,
    },
    Receipts(Vec<String>),
}

#[derive(Debug, Clone)]
enum Reply {
    Pushed(PushAnswer),
    Page { asked: String, page: Page },
    Receipts(Vec<String>),
    Failed(Failure),
}

#[derive(Debug, Clone)]
enum Ev {
    Timer {
        phone: usize,
        life: u32,
    },
    Arrive {
        phone: usize,
        flight: u64,
        sent: Sent,
        gw_life: u32,
    },
    Answer {
        phone: usize,
        flight: u64,
        reply: Reply,
        gw_life: Option<u32>,
    },
    Deadline {
        phone: usize,
        flight: u64,
    },
    PollDue {
        flight: u64,
        gw_life: u32,
    },
    UserActs {
        phone: usize,
    },
    PhoneCrash {
        phone: usize,
    },
    PhoneBoot {
        phone: usize,
    },
    GatewayCrash,
    GatewayBoot,
    ClockJump {
        phone: usize,
        delta_ms: i64,
    },
    Network {
        phone: usize,
        online: bool,
    },
    Foreground {
        phone: usize,
        on: bool,
    },
    SyncNow {
        phone: usize,
    },
    BackgroundTask {
        phone: usize,
        chain: u32,
    },
    BudgetSpent {
        phone: usize,
        life: u32,
    },
    Quiet,
}

struct Flight {
    id: u64,
    sent: Sent,
}

/// A phone: the store survives a crash, the rest does not.
pub(crate) struct Phone {
    pub(crate) store: PhoneStore,
    engine: Option<Engine>,
    life: u32,
    boot_at: u64,
    in_flight: Option<Flight>,
    /// Flights before this one were sent by an earlier life of the phone.
    first_flight: u64,
    timer_at: Option<u64>,
    online: bool,
    foreground: bool,
    /// The system suspends this app in the background (its sync stops; background tasks).
    suspends: bool,
    suspended: bool,
    tasks: u32,
    skew_ms: i64,
    learned_skew_ms: i64,
    user_rng: Rng,
    second: (u64, u32),
    minute: (u64, u32),
    /// Every command the person queued: the ledger the properties are checked against (kept
    /// outside the store, so a store that loses one is caught).
    pub(crate) ledger: Vec<String>,
    /// Every 回执 the person caused, likewise.
    pub(crate) receipt_ledger: Vec<String>,
}

/// What a run saw.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    pub(crate) events: u64,
    pub(crate) requests: u64,
    pub(crate) commands: u64,
    pub(crate) accepted: u64,
    pub(crate) gateway_crashes: u64,
    pub(crate) phone_crashes: u64,
    pub(crate) stale_answers: u64,
    pub(crate) background_tasks: u64,
    /// Background runs that stopped at a page boundary because their time was up.
    pub(crate) budgets_spent: u64,
}

/// The world of one seed.
pub(crate) struct World {
    pub(crate) config: Config,
    pub(crate) now: u64,
    queue: BinaryHeap<Reverse<(u64, u64)>>,
    events: BTreeMap<u64, Ev>,
    seq: u64,
    pub(crate) gateway: Gateway,
    gateway_up: bool,
    gw_life: u32,
    net: Network,
    rng: Rng,
    pub(crate) phones: Vec<Phone>,
    next_flight: u64,
    /// Long-polls waiting at the gateway: flight → (phone, request, when the wait ends).
    parked: BTreeMap<u64, (usize, Sent, u64)>,
    quiet: bool,
    pub(crate) violations: Vec<String>,
    pub(crate) trace: Vec<String>,
    pub(crate) stats: Stats,
}

impl World {
    pub(crate) fn new(config: Config) -> World {
        let mut rng = Rng::new(config.seed);
        let users = rng.between(1, 3) as usize;
        // Sometimes one person has two phones: their commands meet at the gateway.
        let phones = users + usize::from(rng.chance(300));
        let devices: Vec<(String, String)> = (0..phones)
            .map(|p| (format!("dev{p}"), format!("user{}", p % users)))
            .collect();
        let flows = rng.between(2, 6) as usize;
        let mut gateway = Gateway::new(&devices, flows, &mut rng);
        gateway.mutations = config.gateway_mutations;
        let net = Network::new(rng.fork(), Faults::hostile(&mut rng));
        let phones = devices
            .iter()
            .map(|(device, user)| Phone {
                store: PhoneStore::new(device, user),
                engine: None,
                life: 0,
                boot_at: 0,
                in_flight: None,
                first_flight: 0,
                timer_at: None,
                online: true,
                foreground: rng.chance(500),
                suspends: rng.chance(300),
                suspended: false,
                tasks: 0,
                skew_ms: 0,
                learned_skew_ms: 0,
                user_rng: rng.fork(),
                second: (0, 0),
                minute: (0, 0),
                ledger: Vec::new(),
                receipt_ledger: Vec::new(),
            })
            .collect();
        let mut world = World {
            config,
            now: 0,
            queue: BinaryHeap::new(),
            events: BTreeMap::new(),
            seq: 0,
            gateway,
            gateway_up: true,
            gw_life: 0,
            net,
            rng,
            phones,
            next_flight: 0,
            parked: BTreeMap::new(),
            quiet: false,
            violations: Vec::new(),
            trace: Vec::new(),
            stats: Stats::default(),
        };
        world.plan();
        world
    }

    fn at(&mut self, at: u64, ev: Ev) {
        self.seq += 1;
        self.queue.push(Reverse((at, self.seq)));
        self.events.insert(self.seq, ev);
    }

    fn note(&mut self, line: impl FnOnce() -> String) {
        if self.config.trace {
            let line = line();
            self.trace.push(format!("{:>9} ms  {line}", self.now));
        }
    }

    fn violation(&mut self, what: String) {
        self.note(|| format!("VIOLATION {what}"));
        self.violations.push(format!("at {} ms: {what}", self.now));
    }

    /// Runs the day to its end.
    pub(crate) fn run(&mut self) {
        let end = self.config.fault_ms + self.config.quiet_ms;
        while let Some(Reverse((at, seq))) = self.queue.pop() {
            if at > end {
                break;
            }
            self.now = at;
            let Some(ev) = self.events.remove(&seq) else {
                continue;
            };
            self.stats.events += 1;
            if self.stats.events > MAX_EVENTS {
                self.violation(format!(
                    "more than {MAX_EVENTS} events: the run never settles"
                ));
                return;
            }
            self.step(ev);
        }
        self.now = end;
    }

    fn step(&mut self, ev: Ev) {
        match ev {
            Ev::Timer { phone, life } => {
                let p = &mut self.phones[phone];
                if p.life == life && p.engine.is_some() && p.timer_at == Some(self.now) {
                    p.timer_at = None;
                    self.feed(phone, Event::Timer);
                }
            }
            Ev::Arrive {
                phone,
                flight,
                sent,
                gw_life,
            } => self.arrive(phone, flight, sent, gw_life),
            Ev::Answer {
                phone,
                flight,
                reply,
                gw_life,
            } => {
                // The gateway crashed while its answer was on the way: the connection is gone.
                let reply = match gw_life {
                    Some(life) if life != self.gw_life => {
                        Reply::Failed(Failure::new(FailureKind::Cut))
                    }
                    _ => reply,
                };
                self.answer(phone, flight, reply);
            }
            Ev::Deadline { phone, flight } => {
                if self.phones[phone].in_flight.as_ref().map(|f| f.id) == Some(flight) {
                    self.note(|| format!("dev{phone} request #{flight} timed out"));
                    self.answer(
                        phone,
                        flight,
                        Reply::Failed(Failure::new(FailureKind::Timeout)),
                    );
                }
            }
            Ev::PollDue { flight, gw_life } => self.poll_due(flight, gw_life),
            Ev::UserActs { phone } => self.user_acts(phone),
            Ev::PhoneCrash { phone } => self.phone_crash(phone),
            Ev::PhoneBoot { phone } => self.phone_boot(phone),
            Ev::GatewayCrash => {
                if self.gateway_up && !self.quiet {
                    self.gateway_up = false;
                    self.gw_life += 1;
                    self.drop_parked();
                    self.stats.gateway_crashes += 1;
                    self.note(|| "gateway crashed".into());
                    let back = self.now + self.rng.between(1_000, 120_000);
                    self.at(back, Ev::GatewayBoot);
                }
            }
            Ev::GatewayBoot => self.gateway_boot(),
            Ev::ClockJump { phone, delta_ms } => {
                if !self.quiet {
                    self.phones[phone].skew_ms += delta_ms;
                    self.note(|| format!("dev{phone} clock jumped {delta_ms} ms"));
                }
            }
            Ev::Network { phone, online } => {
                // Online again, or onto another network (Wi-Fi to cellular): both are news.
                if !self.quiet && (online || self.phones[phone].online) {
                    self.phones[phone].online = online;
                    self.note(|| format!("dev{phone} network online={online}"));
                    self.feed(phone, Event::NetworkChanged { online });
                }
            }
            Ev::Foreground { phone, on } => {
                // A shell may say so again (the app resumed twice): the engine must not mind.
                if !self.quiet {
                    self.foreground(phone, on);
                }
            }
            Ev::BackgroundTask { phone, chain } => self.background_task(phone, chain),
            Ev::BudgetSpent { phone, life } => self.budget_spent(phone, life),
            Ev::SyncNow { phone } => self.sync_now(phone),
            Ev::Quiet => self.quiet_start(),
        }
    }
}
