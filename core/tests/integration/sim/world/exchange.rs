//! The exchanges of one simulated day: the driver's side (a request built from the store as the
//! engine asks, its deadline, its answer filed in the store in one step and then told to the
//! engine) and the gateway's side (deciding a push, answering or parking a pull).
//!
//! An answer the engine no longer waits for (its deadline passed, it was cancelled, or it is a
//! duplicate) is never told to the engine, but it is still filed in the store when it arrives,
//! as a driver racing its own deadline would: the store must take verdicts and pages in any
//! order without losing or doubling anything (a page is applied only on the cursor it was
//! asked from).

use super::{Ev, Flight, Reply, Sent, World};
use crate::sim::gateway::PushAnswer;
use crate::sim::net::{Inbound, Outbound};
use qianpi_core::engine::{Deadlines, Event, Failure, FailureKind, Request, Response};

impl World {
    pub(super) fn send(&mut self, phone: usize, request: Request, deadlines: Deadlines) {
        if let Some(old) = &self.phones[phone].in_flight {
            let id = old.id;
            self.violation(format!(
                "dev{phone}: a second request while #{id} is in flight"
            ));
        }
        self.stats.requests += 1;
        let minute = self.now / 60_000;
        let count = &mut self.phones[phone].minute;
        *count = if count.0 == minute {
            (minute, count.1 + 1)
        } else {
            (minute, 1)
        };
        if count.1 == super::REQUESTS_PER_MINUTE + 1 {
            self.violation(format!(
                "dev{phone}: more than {} requests in one minute",
                super::REQUESTS_PER_MINUTE
            ));
        }
        self.next_flight += 1;
        let flight = self.next_flight;
        let p = &mut self.phones[phone];
        let sent = match request {
            Request::Push { max } => {
                let n = max.min(p.store.outbox.len());
                Sent::Push(p.store.outbox[..n].to_vec())
            }
            Request::PushReceipts => {
                let n = p.store.receipts.len().min(super::RECEIPT_BATCH);
                Sent::Receipts(p.store.receipts[..n].to_vec())
            }
            Request::Pull { limit, wait_secs } => Sent::Pull {
                cursor: p.store.cursor.clone(),
                limit,
                wait_ms: u64::from(wait_secs.unwrap_or(0)) * 1000,
            },
        };
        p.in_flight = Some(Flight {
            id: flight,
            sent: sent.clone(),
        });
        // The answer comes whole or not at all here, so the first-byte deadline (within the
        // total) is the one that bites.
        let deadline = self.now + deadlines.total_ms.min(deadlines.first_byte_ms).max(1);
        self.at(deadline, Ev::Deadline { phone, flight });
        let local = match &sent {
            // Nothing to push (the engine's count was behind): answered without the network.
            Sent::Push(commands) if commands.is_empty() => Some(Reply::Pushed(PushAnswer {
                verdicts: Vec::new(),
                held: Vec::new(),
            })),
            Sent::Receipts(receipts) if receipts.is_empty() => Some(Reply::Receipts(Vec::new())),
            _ if !self.phones[phone].online => {
                Some(Reply::Failed(Failure::new(FailureKind::Unreachable)))
            }
            _ => None,
        };
        if let Some(reply) = local {
            let at = self.now + self.net.blip();
            self.deliver(at, phone, flight, reply, None);
            return;
        }
        match self.net.outbound() {
            Outbound::Lost => self.note(|| format!("request #{flight} lost on the way")),
            Outbound::CutAfter(delay) => {
                self.note(|| format!("request #{flight} cut while sent"));
                let reply = Reply::Failed(Failure::new(FailureKind::Cut));
                self.deliver(self.now + delay, phone, flight, reply, None);
            }
            Outbound::Arrives(delay) => {
                let gw_life = self.gw_life;
                self.at(
                    self.now + delay,
                    Ev::Arrive {
                        phone,
                        flight,
                        sent,
                        gw_life,
                    },
                );
            }
        }
    }

    fn deliver(&mut self, at: u64, phone: usize, flight: u64, reply: Reply, gw: Option<u32>) {
        self.at(
            at,
            Ev::Answer {
                phone,
                flight,
                reply,
                gw_life: gw,
            },
        );
    }

    fn fail_soon(&mut self, phone: usize, flight: u64, failure: Failure) {
        let at = self.now + self.net.blip();
        self.deliver(at, phone, flight, Reply::Failed(failure), None);
    }

    /// A request reaches the gateway.
    pub(super) fn arrive(&mut self, phone: usize, flight: u64, sent: Sent, gw_life: u32) {
        if !self.gateway_up {
            return self.fail_soon(phone, flight, Failure::new(FailureKind::Unreachable));
        }
        if gw_life != self.gw_life {
            // Sent to the gateway before it restarted: the connection is gone.
            return self.fail_soon(phone, flight, Failure::new(FailureKind::Cut));
        }
        if let Some(retry_after) = self.net.overloaded() {
            let failure = Failure {
                kind: FailureKind::Refused {
                    status: 503,
                    code: "unavailable".into(),
                },
                retry_after_ms: Some(retry_after),
            };
            return self.fail_soon(phone, flight, failure);
        }
        let p = &self.phones[phone];
        if (p.skew_ms - p.learned_skew_ms).abs() > super::CLOCK_WINDOW_MS {
            return self.fail_soon(phone, flight, Failure::new(FailureKind::Clock));
        }
        match sent {
            Sent::Push(commands) => {
                let device = self.phones[phone].store.device.clone();
                let answer = self.gateway.push(&device, &commands, self.now);
                let twice = self.gateway.applied_twice();
                if !twice.is_empty() {
                    self.violation(format!("applied twice at the gateway: {twice:?}"));
                }
                self.note(|| format!("gateway decided #{flight}: {answer:?}"));
                self.reply(phone, flight, Reply::Pushed(answer));
                self.wake_parked();
            }
            Sent::Pull {
                ref cursor,
                wait_ms,
                ..
            } => {
                let user = self.phones[phone].store.user.clone();
                if wait_ms > 0 && !self.gateway.has_news(&user, cursor) {
                    // A long-poll: answered when the feed grows, or empty when the wait ends.
                    let due = self.now + wait_ms;
                    self.parked.insert(flight, (phone, sent, due));
                    let gw_life = self.gw_life;
                    self.at(due, Ev::PollDue { flight, gw_life });
                    return;
                }
                self.answer_pull(phone, flight, &sent);
            }
            Sent::Receipts(receipts) => {
                let user = self.phones[phone].store.user.clone();
                self.gateway.take_receipts(&user, &receipts);
                self.reply(phone, flight, Reply::Receipts(receipts));
            }
        }
    }

    /// A parked long-poll's wait ended: it is answered, empty or not.
    pub(super) fn poll_due(&mut self, flight: u64, gw_life: u32) {
        if gw_life != self.gw_life || !self.gateway_up {
            return;
        }
        if let Some((phone, sent, _)) = self.parked.remove(&flight) {
            self.answer_pull(phone, flight, &sent);
        }
    }

    /// The feeds grew: every parked long-poll with news is answered now.
    fn wake_parked(&mut self) {
        let ready: Vec<u64> = self
            .parked
            .iter()
            .filter(|(_, (phone, sent, _))| match sent {
                Sent::Pull { cursor, .. } => {
                    let user = &self.phones[*phone].store.user;
                    self.gateway.has_news(user, cursor)
                }
                _ => true,
            })
            .map(|(flight, _)| *flight)
            .collect();
        for flight in ready {
            if let Some((phone, sent, _)) = self.parked.remove(&flight) {
                self.answer_pull(phone, flight, &sent);
            }
        }
    }

    /// A gateway crash resets every parked long-poll's connection.
    pub(super) fn drop_parked(&mut self) {
        let parked = std::mem::take(&mut self.parked);
        for (flight, (phone, _, _)) in parked {
            self.fail_soon(phone, flight, Failure::new(FailureKind::Cut));
        }
    }

    fn answer_pull(&mut self, phone: usize, flight: u64, sent: &Sent) {
        let Sent::Pull { cursor, limit, .. } = sent else {
            return;
        };
        let user = self.phones[phone].store.user.clone();
        match self.gateway.pull(&user, cursor, *limit) {
            Ok(page) => {
                let asked = cursor.clone();
                self.reply(phone, flight, Reply::Page { asked, page });
            }
            Err(bad) => {
                self.violation(format!(
                    "dev{phone} pulled with cursor {:?}, which the gateway never gave",
                    bad.0
                ));
                let failure = Failure::new(FailureKind::Refused {
                    status: 400,
                    code: "bad_cursor".into(),
                });
                self.reply(phone, flight, Reply::Failed(failure));
            }
        }
    }

    /// The gateway's answer on its way back.
    fn reply(&mut self, phone: usize, flight: u64, reply: Reply) {
        let gw = Some(self.gw_life);
        match self.net.inbound() {
            Inbound::CutAfter(delay) => {
                self.note(|| format!("answer #{flight} cut mid-body"));
                let cut = Reply::Failed(Failure::new(FailureKind::Cut));
                self.deliver(self.now + delay, phone, flight, cut, gw);
            }
            Inbound::Stalls => self.note(|| format!("answer #{flight} stalls")),
            Inbound::Arrives(delay, again) => {
                if let Some(again) = again {
                    self.note(|| format!("answer #{flight} will come twice"));
                    self.deliver(self.now + again, phone, flight, reply.clone(), gw);
                }
                self.deliver(self.now + delay, phone, flight, reply, gw);
            }
        }
    }

    /// An answer (or a failure) reaches the phone.
    pub(super) fn answer(&mut self, phone: usize, flight: u64, reply: Reply) {
        let mutations = self.config.phone_mutations;
        let p = &mut self.phones[phone];
        if p.engine.is_none() || flight < p.first_flight {
            // The phone crashed since: nobody is there to read it.
            return;
        }
        let current = p.in_flight.as_ref().is_some_and(|f| f.id == flight);
        let sent = match (current, p.in_flight.take()) {
            (true, Some(f)) => Some(f.sent),
            (_, other) => {
                p.in_flight = other;
                None
            }
        };
        let Some(sent) = sent else {
            self.stats.stale_answers += 1;
            self.note(|| format!("dev{phone} files a late answer #{flight}"));
            self.file(phone, &reply);
            return;
        };
        let event = match reply {
            Reply::Failed(failure) => {
                if failure.kind == FailureKind::Clock {
                    p.learned_skew_ms = p.skew_ms;
                }
                if let (true, Sent::Push(commands), FailureKind::Cut) =
                    (mutations.cut_push_counts_as_accepted, &sent, &failure.kind)
                {
                    for command in commands {
                        let fake = crate::sim::gateway::SimVerdict {
                            command_id: command.id.clone(),
                            refused: None,
                            version: 0,
                        };
                        p.store.record_verdict(&fake);
                    }
                }
                Event::Failure(failure)
            }
            reply => {
                let response = self.file(phone, &reply);
                match response {
                    Some(response) => Event::Response(response),
                    None => return,
                }
            }
        };
        self.feed(phone, event);
    }

    /// Files an answer in the store, in one step; what to tell the engine.
    fn file(&mut self, phone: usize, reply: &Reply) -> Option<Response> {
        let mutations = self.config.phone_mutations;
        let p = &mut self.phones[phone];
        let (response, conflicts) = match reply {
            Reply::Pushed(answer) => {
                let conflicts = p.store.apply_push(answer);
                let accepted = answer
                    .verdicts
                    .iter()
                    .filter(|v| v.refused.is_none())
                    .count();
                self.stats.accepted += accepted as u64;
                let response = Response::Pushed {
                    sent: answer.verdicts.len() + answer.held.len(),
                    accepted,
                    refused: answer.verdicts.len() - accepted,
                    outbox: p.store.outbox.len(),
                };
                (response, conflicts)
            }
            Reply::Page { asked, page } => {
                if *asked != p.store.cursor {
                    // Already applied (a late or doubled answer came first): nothing to do, and
                    // the engine pulls again from where the store stands.
                    let response = Response::Page {
                        items: 0,
                        bytes: 0,
                        has_more: true,
                        outbox: p.store.outbox.len(),
                        receipts: p.store.receipts.len(),
                    };
                    return Some(response);
                }
                let conflicts = p.store.apply_page(page, mutations);
                let response = Response::Page {
                    items: page.items.len(),
                    bytes: 400 * page.items.len() as u64,
                    has_more: page.has_more,
                    outbox: p.store.outbox.len(),
                    receipts: p.store.receipts.len(),
                };
                (response, conflicts)
            }
            Reply::Receipts(taken) => {
                p.store.receipts_taken(taken);
                let response = Response::ReceiptsTaken {
                    sent: taken.len(),
                    refused: 0,
                    receipts: p.store.receipts.len(),
                };
                (response, Vec::new())
            }
            Reply::Failed(_) => return None,
        };
        for conflict in conflicts {
            self.violation(conflict);
        }
        Some(response)
    }
}
