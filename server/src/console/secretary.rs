//! The secretary's pages: the leaders they serve, one leader's pending tasks with the 代签 form
//! (the leader's attitude and opinion, entered in his name and decided by the workflow), and the
//! leader's standing delegations (委托代理: a deputy and a window set, one ended early). A leader
//! the person is not secretary to is refused (403); another unit's flow is not found (404). The
//! data is in [`crate::office::drafts::acting`] and [`crate::office::drafts::deputies`].

use super::drafts::refused;
use super::prelude::*;
use crate::office::drafts::acting::{self, Decision, Entry, LeaderTask};
use crate::office::drafts::deputies::{self, NewRule};
use chrono::{NaiveDateTime, TimeZone};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/secretary", get(leaders))
        .route("/secretary/{leader}", get(leader))
        .route(
            "/secretary/{leader}/flows/{instance}/tasks/{task}",
            get(sign_form).post(sign),
        )
        .route("/secretary/{leader}/delegations", post(create_rule))
        .route("/secretary/{leader}/delegations/{id}/end", post(end_rule))
}

/// `GET /console/secretary`: the leaders the person serves.
async fn leaders(
    State(state): State<AppState>,
    office: Office,
) -> Result<Html<String>, ConsoleError> {
    office.require(Role::Secretary)?;
    let leaders = acting::leaders(&state.db, &office.actor(), office.unit())
        .await
        .map_err(|e| refused(&office, e))?;
    Ok(page(
        &office,
        office.t("secretary.title"),
        html! {
            @if leaders.is_empty() { p.muted { (office.t("secretary.no_leaders")) } } @else {
                ul.links id="leaders" { @for l in &leaders {
                    li { a href={ "/console/secretary/" (l.id) } { (l.name) } " " span.muted { (l.post) } }
                } }
            }
        },
    ))
}

/// `GET /console/secretary/{leader}`: the leader's pending tasks and standing delegations.
async fn leader(
    State(state): State<AppState>,
    office: Office,
    Path(leader): Path<String>,
) -> Result<Html<String>, ConsoleError> {
    office.require(Role::Secretary)?;
    let actor = office.actor();
    let fail = |e| refused(&office, e);
    let (who, tasks) = acting::pending_of(&state.db, &actor, office.unit(), &leader)
        .await
        .map_err(fail)?;
    let rules = deputies::list(&state.db, &actor, office.unit(), &leader)
        .await
        .map_err(fail)?;
    let people = deputies::deputies(&state.db, &actor, office.unit(), &leader)
        .await
        .map_err(fail)?;
    let now = Utc::now();
    let base = format!("/console/secretary/{}", who.id);
    let local = |at: DateTime<Utc>| {
        at.with_timezone(&office.zone)
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    };
    Ok(page(
        &office,
        &format!("{} · {}", office.t("secretary.title"), who.name),
        html! {
            section.card {
                h2 { (office.t("secretary.pending")) }
                @if tasks.is_empty() { p.muted { (office.t("secretary.pending.none")) } } @else {
                    table.list id="pending" {
                        thead { tr {
                            th { (office.t("secretary.document")) }
                            th { (office.t("secretary.node")) }
                            th { (office.t("secretary.deadline")) }
                            th { (office.t("common.actions")) }
                        } }
                        tbody { @for task in &tasks { tr data-task=(task.task_id) {
                            td { (task.title) " " (urgency(&office, task)) }
                            td { (task.node) }
                            td { @match task.deadline { Some(at) => (office.when(at)), None => (office.t("common.none")) } }
                            td { a href={ (base) "/flows/" (task.instance_id) "/tasks/" (task.task_id) } { (office.t("secretary.sign")) } }
                        } } }
                    }
                }
            }
            section.card {
                h2 { (office.t("secretary.delegations")) }
                @if rules.is_empty() { p.muted { (office.t("secretary.delegations.none")) } } @else {
                    table.list id="delegations" {
                        thead { tr {
                            th { (office.t("secretary.deputy")) }
                            th { (office.t("secretary.start")) }
                            th { (office.t("secretary.end")) }
                            th { (office.t("common.status")) }
                            th { (office.t("common.actions")) }
                        } }
                        tbody { @for (rule, name) in &rules { tr data-rule=(rule.id) {
                            td { (name) }
                            td { (office.when(rule.start)) }
                            td { (office.when(rule.end)) }
                            @if let Some(at) = rule.revoked_at {
                                td { span.badge { (office.t("secretary.rule.ended")) } " " (office.when(at)) }
                                td {}
                            } @else if rule.end <= now {
                                td { span.badge { (office.t("secretary.rule.expired")) } }
                                td {}
                            } @else {
                                td { span.badge.ok { (office.t("secretary.rule.active")) } }
                                td { form.inline method="post" action={ (base) "/delegations/" (rule.id) "/end" } {
                                    (office.csrf_field())
                                    button.danger type="submit" data-confirm=(office.t("secretary.rule.end.confirm")) { (office.t("secretary.rule.end")) }
                                } }
                            }
                        } } }
                    }
                }
                h3 { (office.t("secretary.rule.new")) }
                form.grid method="post" action={ (base) "/delegations" } {
                    (office.csrf_field())
                    label for="to" { (office.t("secretary.deputy")) }
                    select id="to" name="to" required { @for (id, name, post) in &people {
                        option value=(id) { (name) " · " (post) }
                    } }
                    label for="start" { (office.t("secretary.start")) }
                    input id="start" name="start" type="datetime-local" value=(local(now)) required;
                    label for="end" { (office.t("secretary.end")) }
                    input id="end" name="end" type="datetime-local" value=(local(now + chrono::Duration::days(7))) required;
                    p.actions { button type="submit" { (office.t("secretary.rule.create")) } }
                }
            }
        },
    ))
}

fn urgency(office: &Office, task: &LeaderTask) -> Markup {
    use qianpi_domain::model::Urgency;
    html! { @match task.urgency {
        Urgency::ExtraUrgent => span.badge.very-urgent { (office.t("drafts.urgency.extra_urgent")) },
        Urgency::Urgent => span.badge.urgent { (office.t("drafts.urgency.urgent")) },
        _ => {},
    } }
}

/// The leader's task `task` on `instance`, as the 代签 form needs it (404 if it is not pending).
async fn task_of(
    state: &AppState,
    office: &Office,
    leader: &str,
    instance: &str,
    task: &str,
) -> Result<(acting::Leader, LeaderTask), ConsoleError> {
    let (who, tasks) = acting::pending_of(&state.db, &office.actor(), office.unit(), leader)
        .await
        .map_err(|e| refused(office, e))?;
    let found = tasks
        .into_iter()
        .find(|t| t.instance_id == instance && t.task_id == task)
        .ok_or(ConsoleError::NotFound)?;
    Ok((who, found))
}

/// `GET …/flows/{instance}/tasks/{task}`: the 代签 form.
async fn sign_form(
    State(state): State<AppState>,
    office: Office,
    Path((leader, instance, task)): Path<(String, String, String)>,
) -> Result<Html<String>, ConsoleError> {
    office.require(Role::Secretary)?;
    let (who, task) = task_of(&state, &office, &leader, &instance, &task).await?;
    let action = format!(
        "/console/secretary/{}/flows/{}/tasks/{}",
        who.id, task.instance_id, task.task_id
    );
    Ok(page(
        &office,
        office.t("secretary.sign.title"),
        html! {
            dl.head {
                dt { (office.t("secretary.for")) } dd { (who.name) " · " (who.post) }
                dt { (office.t("secretary.document")) } dd { a href={ "/console/flows/" (task.instance_id) } { (task.title) } }
                dt { (office.t("secretary.node")) } dd { (task.node) }
            }
            form.grid method="post" action=(action) {
                (office.csrf_field())
                input type="hidden" name="version" value=(task.version);
                label for="decision" { (office.t("secretary.decision")) }
                select id="decision" name="decision" {
                    @if task.read_only {
                        option value="read" { (office.t("secretary.decision.read")) }
                    } @else {
                        option value="agree" { (office.t("secretary.decision.agree")) }
                        option value="disagree" { (office.t("secretary.decision.disagree")) }
                        @if task.may_reject { option value="reject" { (office.t("secretary.decision.reject")) } }
                    }
                }
                @if task.routes.len() > 1 {
                    label for="route" { (office.t("secretary.route")) }
                    select id="route" name="route" { @for (id, label) in &task.routes { option value=(id) { (label) } } }
                }
                label for="opinion" { (office.t("secretary.opinion")) }
                textarea id="opinion" name="opinion" rows="4" maxlength="2000" {}
                p.muted { (office.t("secretary.sign.note")) }
                p.actions { button id="sign" type="submit" data-confirm=(office.t("secretary.sign.confirm")) { (office.t("secretary.sign")) } }
            }
        },
    ))
}

#[derive(Deserialize)]
struct SignForm {
    version: u64,
    decision: String,
    #[serde(default)]
    route: Option<String>,
    #[serde(default)]
    opinion: String,
}

/// `POST …/flows/{instance}/tasks/{task}`: 代签 — the leader's decision, in his name.
async fn sign(
    State(state): State<AppState>,
    Path((leader, instance, task)): Path<(String, String, String)>,
    CsrfForm(office, form): CsrfForm<SignForm>,
) -> Result<Response, ConsoleError> {
    office.require(Role::Secretary)?;
    let decision = match form.decision.as_str() {
        "agree" => Decision::Agree,
        "disagree" => Decision::Disagree,
        "reject" => Decision::Reject,
        "read" => Decision::Read,
        _ => return Err(ConsoleError::Malformed),
    };
    let entry = Entry {
        leader: leader.clone(),
        instance_id: instance,
        task_id: task,
        base_version: form.version,
        decision,
        route: form.route,
        opinion: form.opinion,
    };
    acting::enter_for_leader(&state.db, &office.actor(), office.unit(), entry, Utc::now())
        .await
        .map_err(|e| refused(&office, e))?;
    Ok(redirect(&format!(
        "/console/secretary/{leader}?done=secretary.signed"
    )))
}

#[derive(Deserialize)]
struct RuleForm {
    to: String,
    start: String,
    end: String,
}

/// `POST /console/secretary/{leader}/delegations`: a standing delegation for the leader; the
/// window is entered in the deployment's time zone.
async fn create_rule(
    State(state): State<AppState>,
    Path(leader): Path<String>,
    CsrfForm(office, form): CsrfForm<RuleForm>,
) -> Result<Response, ConsoleError> {
    office.require(Role::Secretary)?;
    let at = |text: &str| {
        NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M")
            .ok()
            .and_then(|local| office.zone.from_local_datetime(&local).earliest())
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| ConsoleError::BadInput(office.t("drafts.invalid.bad_window").to_owned()))
    };
    let rule = NewRule {
        to: form.to,
        start: at(&form.start)?,
        end: at(&form.end)?,
    };
    deputies::create(
        &state.db,
        &office.actor(),
        office.unit(),
        &leader,
        rule,
        Utc::now(),
    )
    .await
    .map_err(|e| refused(&office, e))?;
    Ok(redirect(&format!(
        "/console/secretary/{leader}?done=secretary.rule.created"
    )))
}

/// `POST /console/secretary/{leader}/delegations/{id}/end`.
async fn end_rule(
    State(state): State<AppState>,
    Path((leader, id)): Path<(String, String)>,
    CsrfForm(office, super::drafts::Empty {}): CsrfForm<super::drafts::Empty>,
) -> Result<Response, ConsoleError> {
    office.require(Role::Secretary)?;
    deputies::end(
        &state.db,
        &office.actor(),
        office.unit(),
        &leader,
        &id,
        Utc::now(),
    )
    .await
    .map_err(|e| refused(&office, e))?;
    Ok(redirect(&format!(
        "/console/secretary/{leader}?done=secretary.rule.ended.notice"
    )))
}
