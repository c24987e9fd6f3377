//! The in-process gateway of the simulation. It decides commands with the real workflow of
//! `qianpi-domain` (`workflow::execute` on real instances of the 收文 flow), and keeps the
//! gateway's idempotency and ordering contract the way `server/src/commands` does, in memory:
//! a verdict is stored under its command id and a resent command gets that verdict again and
//! changes nothing; a device's records are decided in counter order (a gap is held, a counter
//! already spent is refused without being stored); every decision writes instance, verdict,
//! chain and feed in one step (one transaction). The feed is one ordered sequence per user,
//! read by an opaque cursor in bounded pages with `has_more`, and carries the verdicts.
//!
//! What it leaves out of the real gateway: signatures, receipts and the time window (the
//! simulation tests delivery, not authentication), and SQL. A restart keeps everything
//! committed; what was in flight is the network's to lose.

use super::rng::Rng;
use chrono::{DateTime, Duration, TimeZone, Utc};
use qianpi_domain::fixtures;
use qianpi_domain::workflow::{
    self, Actor, Command, Env, Instance, Opinion, Outcome, ProcessDefinition, Submission,
};
use std::collections::{BTreeMap, HashMap};

/// A command as a phone queues and pushes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SimCommand {
    pub(crate) id: String,
    pub(crate) device: String,
    pub(crate) counter: u64,
    pub(crate) instance: String,
    pub(crate) base_version: u64,
    pub(crate) command: Command,
}

/// What the gateway decided for a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SimVerdict {
    pub(crate) command_id: String,
    /// `None`: accepted; otherwise the refusal's stable code.
    pub(crate) refused: Option<String>,
    /// The instance version after (accepted) or at (refused) the decision.
    pub(crate) version: u64,
}

/// One entry of a user's feed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FeedItem {
    /// A verdict on a command of one of the user's devices.
    Verdict(SimVerdict),
    /// An instance the user takes part in, as it now is.
    Instance(Box<Instance>),
    /// Something else the user is sent (a notice, history): the backlog of a first sync.
    Other(u64),
}

/// The answer to a push: verdicts in the order pushed, and the ids held behind a gap.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PushAnswer {
    pub(crate) verdicts: Vec<SimVerdict>,
    pub(crate) held: Vec<String>,
}

/// A page of a user's feed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Page {
    pub(crate) items: Vec<FeedItem>,
    pub(crate) next_cursor: String,
    pub(crate) has_more: bool,
}

/// Deliberate faults of the gateway, to show the properties trip (never on in the normal run).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct GatewayMutations {
    /// A restart loses the stored verdicts (the instances keep what was applied).
    pub(crate) forget_verdicts_on_restart: bool,
}

struct Flow {
    definition: ProcessDefinition,
    instance: Instance,
    users: Vec<String>,
}

/// The gateway's committed state.
pub(crate) struct Gateway {
    flows: BTreeMap<String, Flow>,
    verdicts: HashMap<String, (String, SimVerdict)>,
    chains: HashMap<String, u64>,
    held: HashMap<String, BTreeMap<u64, SimCommand>>,
    users_of_devices: HashMap<String, String>,
    feeds: HashMap<String, Vec<FeedItem>>,
    /// 回执 taken, per user; sending one again changes nothing.
    receipts: HashMap<String, std::collections::BTreeSet<String>>,
    /// How many times each command changed an instance: the property "none applied twice".
    applied: HashMap<String, u32>,
    started: DateTime<Utc>,
    pub(crate) mutations: GatewayMutations,
}

/// A cursor the gateway cannot read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadCursor(pub(crate) String);

impl Gateway {
    /// A gateway for `devices` (device id, user id) with `flows` 收文 instances, each between two
    /// of the users drawn by `rng`.
    pub(crate) fn new(devices: &[(String, String)], flows: usize, rng: &mut Rng) -> Gateway {
        let started = Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).single();
        let started = started.unwrap_or_else(Utc::now);
        let mut users: Vec<String> = devices.iter().map(|(_, u)| u.clone()).collect();
        users.dedup();
        let mut gateway = Gateway {
            flows: BTreeMap::new(),
            verdicts: HashMap::new(),
            chains: HashMap::new(),
            held: HashMap::new(),
            users_of_devices: devices.iter().cloned().collect(),
            feeds: users.iter().map(|u| (u.clone(), Vec::new())).collect(),
            receipts: HashMap::new(),
            applied: HashMap::new(),
            started,
            mutations: GatewayMutations::default(),
        };
        // A first sync with a backlog: several pages for some users, none for others.
        for user in &users {
            let backlog = rng.below(4) * rng.below(300);
            if let Some(feed) = gateway.feeds.get_mut(user) {
                feed.extend((0..backlog).map(FeedItem::Other));
            }
        }
        for n in 0..flows {
            let first = users[rng.below(users.len() as u64) as usize].clone();
            let second = users[rng.below(users.len() as u64) as usize].clone();
            let definition = fixtures::receiving_flow(&first, &second);
            let id = format!("ins-{n}");
            let Ok(instance) =
                Instance::start(Env::new(&definition), &id, &id, "initiator", started)
            else {
                continue;
            };
            let mut flow_users = vec![first, second];
            flow_users.dedup();
            gateway.flows.insert(
                id.clone(),
                Flow {
                    definition,
                    instance,
                    users: flow_users,
                },
            );
            gateway.publish(&id);
        }
        gateway
    }

    fn publish(&mut self, instance_id: &str) {
        let Some(flow) = self.flows.get(instance_id) else {
            return;
        };
        for user in &flow.users {
            if let Some(feed) = self.feeds.get_mut(user) {
                feed.push(FeedItem::Instance(Box::new(flow.instance.clone())));
            }
        }
    }

    /// A push of `commands` by `device`, decided in one transaction at simulated `now_ms`.
    pub(crate) fn push(
        &mut self,
        device: &str,
        commands: &[SimCommand],
        now_ms: u64,
    ) -> PushAnswer {
        let mut answer = PushAnswer {
            verdicts: Vec::new(),
            held: Vec::new(),
        };
        for command in commands {
            match self.decide(device, command, now_ms) {
                Some(verdict) => answer.verdicts.push(verdict),
                None => answer.held.push(command.id.clone()),
            }
        }
        answer
    }

    fn decide(&mut self, device: &str, command: &SimCommand, now_ms: u64) -> Option<SimVerdict> {
        if let Some((_, verdict)) = self.verdicts.get(&command.id) {
            return Some(verdict.clone());
        }
        let last = self.chains.get(device).copied().unwrap_or(0);
        if command.counter <= last {
            // As the real gateway: refused and not stored, the chain not spent.
            return Some(SimVerdict {
                command_id: command.id.clone(),
                refused: Some("counter_reused".into()),
                version: 0,
            });
        }
        if command.counter > last + 1 {
            self.held
                .entry(device.to_owned())
                .or_default()
                .insert(command.counter, command.clone());
            return None;
        }
        let verdict = self.decide_link(device, command, now_ms);
        // Records held behind this one follow now, in the same transaction.
        let mut next = command.counter + 1;
        while let Some(held) = self.held.get_mut(device).and_then(|h| h.remove(&next)) {
            self.decide_link(device, &held, now_ms);
            next += 1;
        }
        Some(verdict)
    }

    fn decide_link(&mut self, device: &str, command: &SimCommand, now_ms: u64) -> SimVerdict {
        let at = self.started + Duration::milliseconds(now_ms as i64);
        let user = self
            .users_of_devices
            .get(device)
            .cloned()
            .unwrap_or_default();
        let verdict = match self.flows.get_mut(&command.instance) {
            None => SimVerdict {
                command_id: command.id.clone(),
                refused: Some("no_such_instance".into()),
                version: 0,
            },
            Some(flow) => {
                let submission = Submission {
                    command_id: command.id.clone(),
                    actor: Actor::user(&user),
                    acting_for: None,
                    base_version: command.base_version,
                    command: command.command.clone(),
                    at,
                };
                match workflow::execute(Env::new(&flow.definition), &flow.instance, &submission) {
                    Ok(Outcome::Applied { instance, .. }) => {
                        flow.instance = *instance;
                        *self.applied.entry(command.id.clone()).or_default() += 1;
                        SimVerdict {
                            command_id: command.id.clone(),
                            refused: None,
                            version: flow.instance.version,
                        }
                    }
                    Ok(Outcome::Duplicate { version }) => SimVerdict {
                        command_id: command.id.clone(),
                        refused: None,
                        version,
                    },
                    Err(rejection) => SimVerdict {
                        command_id: command.id.clone(),
                        refused: Some(rejection.code.as_str().to_owned()),
                        version: rejection.current_version,
                    },
                }
            }
        };
        if verdict.refused.is_none() {
            self.publish(&command.instance.clone());
        }
        self.chains.insert(device.to_owned(), command.counter);
        self.verdicts
            .insert(command.id.clone(), (device.to_owned(), verdict.clone()));
        if let Some(feed) = self.feeds.get_mut(&user) {
            feed.push(FeedItem::Verdict(verdict.clone()));
        }
        verdict
    }

    /// Takes `user`'s 回执 in one transaction.
    pub(crate) fn take_receipts(&mut self, user: &str, receipts: &[String]) {
        self.receipts
            .entry(user.to_owned())
            .or_default()
            .extend(receipts.iter().cloned());
    }

    /// The 回执 taken from `user`.
    pub(crate) fn receipts_of(&self, user: &str) -> Vec<String> {
        self.receipts
            .get(user)
            .map(|r| r.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The page of `user`'s feed after `cursor`, at most `limit` items.
    pub(crate) fn pull(&self, user: &str, cursor: &str, limit: usize) -> Result<Page, BadCursor> {
        let after = read_cursor(cursor).ok_or_else(|| BadCursor(cursor.to_owned()))?;
        let feed = self.feeds.get(user).map(Vec::as_slice).unwrap_or_default();
        if after > feed.len() {
            return Err(BadCursor(cursor.to_owned()));
        }
        let end = (after + limit.max(1)).min(feed.len());
        Ok(Page {
            items: feed[after..end].to_vec(),
            next_cursor: make_cursor(end),
            has_more: end < feed.len(),
        })
    }

    /// Whether `user`'s feed holds anything after `cursor`.
    pub(crate) fn has_news(&self, user: &str, cursor: &str) -> bool {
        let len = self.feeds.get(user).map_or(0, Vec::len);
        read_cursor(cursor).is_some_and(|after| after < len)
    }

    /// The cursor at the head of `user`'s feed.
    pub(crate) fn head(&self, user: &str) -> String {
        make_cursor(self.feeds.get(user).map_or(0, Vec::len))
    }

    /// How many other items (notices, history) `user`'s feed holds.
    pub(crate) fn others(&self, user: &str) -> u64 {
        let feed = self.feeds.get(user).map(Vec::as_slice).unwrap_or_default();
        feed.iter()
            .filter(|item| matches!(item, FeedItem::Other(_)))
            .count() as u64
    }

    /// A restart: committed state stays (unless a mutation says otherwise).
    pub(crate) fn restart(&mut self) {
        if self.mutations.forget_verdicts_on_restart {
            self.verdicts.clear();
        }
    }

    /// The stored verdict of a command, if any.
    pub(crate) fn verdict(&self, command_id: &str) -> Option<&SimVerdict> {
        self.verdicts.get(command_id).map(|(_, v)| v)
    }

    /// The stored verdicts of `device`'s commands.
    pub(crate) fn verdicts_of(&self, device: &str) -> BTreeMap<String, SimVerdict> {
        self.verdicts
            .iter()
            .filter(|(_, (d, _))| d == device)
            .map(|(id, (_, v))| (id.clone(), v.clone()))
            .collect()
    }

    /// Commands that changed an instance more than once, and command ids found more than once
    /// in an instance's trace.
    pub(crate) fn applied_twice(&self) -> Vec<String> {
        let mut twice: Vec<String> = self
            .applied
            .iter()
            .filter(|(_, n)| **n > 1)
            .map(|(id, _)| id.clone())
            .collect();
        for flow in self.flows.values() {
            let mut seen = std::collections::HashSet::new();
            for record in &flow.instance.trace {
                if !seen.insert(&record.command_id) {
                    twice.push(record.command_id.clone());
                }
            }
        }
        twice.sort();
        twice.dedup();
        twice
    }
}

/// The opaque cursor: the position, mixed so that a phone cannot do arithmetic on it.
fn make_cursor(position: usize) -> String {
    format!("c{:x}", (position as u64) ^ 0x9e37_79b9)
}

fn read_cursor(cursor: &str) -> Option<usize> {
    let hex = cursor.strip_prefix('c')?;
    let value = u64::from_str_radix(hex, 16).ok()? ^ 0x9e37_79b9;
    usize::try_from(value).ok()
}

/// The cursor of a phone that has never pulled.
pub(crate) fn first_cursor() -> String {
    make_cursor(0)
}

/// An opinion of `text` for the commands the phones invent.
pub(crate) fn opinion(text: &str) -> Opinion {
    Opinion::agree(text)
}
