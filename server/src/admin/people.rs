//! Units and the people in them: creating a unit (the operator only), creating and listing
//! identities (the address book import is in [`super::address_book`]). An identity is a person's
//! login with a post in a unit; one login may hold several posts, in one unit or in several.

use super::{not_found, AdminActor};
use crate::db::{decode, encode, Db};
use crate::error::ApiError;
use crate::sql::args;
use crate::sql::Sql;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use qianpi_domain::workflow::Roles;
use serde::{Deserialize, Serialize};

/// Longest login, name or post accepted.
const MAX_FIELD: usize = 64;
/// Most rows one import may hold.
pub const MAX_IMPORT_ROWS: usize = 5000;

/// A unit to create.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct NewUnit {
    /// Its id; generated when absent.
    #[serde(default)]
    pub id: Option<String>,
    /// 单位名称.
    pub name: String,
    /// 机关代字, e.g. `晋农办`.
    pub organ_code: String,
}

/// A unit as administrators see it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(as = Unit)]
pub struct UnitView {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// 机关代字.
    pub organ_code: String,
}

/// An identity to create.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// The person's login (shared by all their identities).
    pub login: String,
    /// 姓名.
    pub name: String,
    /// 职务.
    pub post: String,
    /// `unit_admin`, `leader`, `secretary` or `staff` (单位管理员, 领导, 秘书, 工作人员 accepted).
    pub role: String,
    /// Secretary only: the user ids of the leaders of the unit they may sign for (代签).
    #[serde(default)]
    pub secretary_for: Vec<String>,
    /// 处室, for the address book phones receive (empty for none).
    #[serde(default)]
    pub department: String,
    /// 办公电话, shown on phones only when the unit allows it (empty for none).
    #[serde(default)]
    pub office_phone: String,
}

/// An identity as administrators see it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(as = User)]
pub struct UserView {
    /// User id (one per identity).
    pub id: String,
    /// Unit.
    pub unit_id: String,
    /// Login.
    pub login: String,
    /// Name.
    pub name: String,
    /// Post.
    pub post: String,
    /// Role.
    #[schema(schema_with = role_schema)]
    pub role: String,
    /// Workflow roles derived from the role.
    pub roles: Roles,
}

/// The roles an identity may have, as they are stored and answered.
const ROLES: [&str; 4] = ["unit_admin", "leader", "secretary", "staff"];

/// [`UserView::role`]'s schema: one of [`ROLES`].
fn role_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .description(Some("Role."))
        .enum_values(Some(ROLES))
        .build()
}

/// The roles an identity may have. Chinese names are accepted too (通讯录 exports use them).
pub fn parse_role(text: &str) -> Option<&'static str> {
    match text.trim() {
        "unit_admin" | "单位管理员" | "管理员" => Some("unit_admin"),
        "leader" | "领导" => Some("leader"),
        "secretary" | "秘书" => Some("secretary"),
        "staff" | "工作人员" | "科员" => Some("staff"),
        _ => None,
    }
}

/// Creates a unit; the operator only.
pub async fn create_unit(
    db: &Db,
    actor: &AdminActor,
    unit: NewUnit,
    now: DateTime<Utc>,
) -> Result<UnitView, ApiError> {
    actor.require_operator()?;
    let view = UnitView {
        id: unit
            .id
            .unwrap_or_else(|| format!("unit-{}", uuid::Uuid::now_v7())),
        name: unit.name.trim().to_owned(),
        organ_code: unit.organ_code.trim().to_owned(),
    };
    for (field, value) in [
        ("id", &view.id),
        ("name", &view.name),
        ("organ_code", &view.organ_code),
    ] {
        check_field(field, value).map_err(|m| ApiError::bad_request("invalid_unit", m))?;
    }
    let (actor, out) = (actor.clone(), view.clone());
    db.tx(move |sql| {
        sql.execute(
            "INSERT INTO units (id, name, organ_code, created_at) VALUES (?1, ?2, ?3, ?4)",
            args![&view.id, &view.name, &view.organ_code, now.to_rfc3339()],
        )?;
        actor.audit(
            sql,
            Some(&view.id),
            "unit.created",
            &view.id,
            serde_json::json!({ "organ_code": view.organ_code }),
            now,
        )?;
        Ok(())
    })
    .await?;
    Ok(out)
}

/// Creates one identity in `unit_id`.
pub async fn create_user(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    user: NewUser,
    now: DateTime<Utc>,
) -> Result<UserView, ApiError> {
    let role = check_user(&user).map_err(|m| ApiError::bad_request("invalid_user", m))?;
    let (actor, unit_id) = (actor.clone(), unit_id.to_owned());
    db.tx(move |sql| {
        actor.check_unit(sql, &unit_id)?;
        check_secretary_for(sql, &unit_id, &user.secretary_for)
            .map_err(|m| ApiError::bad_request("invalid_user", m))?;
        insert_user(sql, &actor, &unit_id, &user, role, "api", now)
    })
    .await
}

/// The identities of `unit_id`.
pub async fn list_users(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
) -> Result<Vec<UserView>, ApiError> {
    let (actor, unit_id) = (actor.clone(), unit_id.to_owned());
    db.tx(move |sql| {
        actor.check_unit(sql, &unit_id)?;
        sql.query(
            "SELECT id, unit_id, login, name, post, role, roles FROM users
             WHERE unit_id = ?1 ORDER BY login, post",
            args![&unit_id],
        )?
        .into_iter()
        .map(|r| {
            Ok(UserView {
                id: r.text(0)?,
                unit_id: r.text(1)?,
                login: r.text(2)?,
                name: r.text(3)?,
                post: r.text(4)?,
                role: r.text(5)?,
                roles: decode(&r.text(6)?)?,
            })
        })
        .collect()
    })
    .await
}

fn check_field(field: &'static str, value: &str) -> Result<(), String> {
    check_field_fault(field, value).map_err(|fault| fault.to_string())
}

/// Why an identity's fields are refused; the English text is the API's, the Chinese one is
/// shown to administrators next to the row of an address book that carries it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserFault {
    /// A required field is blank.
    #[error("{0} is empty")]
    Empty(&'static str),
    /// A field longer than [`MAX_FIELD`] characters.
    #[error("{0} is longer than {max} characters", max = MAX_FIELD)]
    TooLong(&'static str),
    /// A field holding control characters.
    #[error("{0} holds control characters")]
    Control(&'static str),
    /// A login with blanks in it.
    #[error("login holds spaces")]
    LoginSpaces,
    /// A role that is none of the four.
    #[error("unknown role {0:?} (unit_admin, leader, secretary or staff)")]
    UnknownRole(String),
    /// Leaders named for someone who is not a secretary.
    #[error("only a secretary may sign for leaders")]
    NotSecretary,
}

impl UserFault {
    /// The fault in Chinese.
    pub fn zh(&self) -> String {
        match self {
            UserFault::Empty(field) => format!("{}为空", field_zh(field)),
            UserFault::TooLong(field) => format!("{}超过{MAX_FIELD}个字符", field_zh(field)),
            UserFault::Control(field) => format!("{}含有控制字符", field_zh(field)),
            UserFault::LoginSpaces => "登录名含有空格".to_owned(),
            UserFault::UnknownRole(role) => {
                format!("未知角色“{role}”（应为单位管理员、领导、秘书或工作人员）")
            }
            UserFault::NotSecretary => "只有秘书可以为领导代签".to_owned(),
        }
    }
}

/// The Chinese name of a field (the address book's own header words).
fn field_zh(field: &str) -> &'static str {
    match field {
        "login" => "登录名",
        "name" => "姓名",
        "post" => "职务",
        "department" => "处室",
        "office_phone" => "办公电话",
        "organ_code" => "机关代字",
        "id" => "编号",
        _ => "字段",
    }
}

fn check_field_fault(field: &'static str, value: &str) -> Result<(), UserFault> {
    if value.trim().is_empty() {
        Err(UserFault::Empty(field))
    } else if value.chars().count() > MAX_FIELD {
        Err(UserFault::TooLong(field))
    } else if value.chars().any(char::is_control) {
        Err(UserFault::Control(field))
    } else {
        Ok(())
    }
}

/// Checks an identity's fields; returns its canonical role.
pub(super) fn check_user(user: &NewUser) -> Result<&'static str, String> {
    check_user_fault(user).map_err(|fault| fault.to_string())
}

/// [`check_user`] with the fault typed, for the address book's bilingual row reasons.
pub(super) fn check_user_fault(user: &NewUser) -> Result<&'static str, UserFault> {
    check_field_fault("login", &user.login)?;
    check_field_fault("name", &user.name)?;
    check_field_fault("post", &user.post)?;
    if user.login.chars().any(char::is_whitespace) {
        return Err(UserFault::LoginSpaces);
    }
    for (field, value) in [
        ("department", &user.department),
        ("office_phone", &user.office_phone),
    ] {
        if !value.trim().is_empty() {
            check_field_fault(field, value)?;
        }
    }
    let role = parse_role(&user.role).ok_or_else(|| UserFault::UnknownRole(user.role.clone()))?;
    if role != "secretary" && !user.secretary_for.is_empty() {
        return Err(UserFault::NotSecretary);
    }
    Ok(role)
}

/// A secretary may sign only for leaders of their own unit.
fn check_secretary_for(sql: &mut dyn Sql, unit_id: &str, leaders: &[String]) -> Result<(), String> {
    for leader in leaders {
        let found = sql
            .query_opt(
                "SELECT id FROM users WHERE id = ?1 AND unit_id = ?2 AND role = 'leader'",
                args![leader, unit_id],
            )
            .map_err(|e| e.to_string())?;
        if found.is_none() {
            return Err(format!("{leader} is not a leader of this unit"));
        }
    }
    Ok(())
}

pub(super) fn insert_user(
    sql: &mut dyn Sql,
    actor: &AdminActor,
    unit_id: &str,
    user: &NewUser,
    role: &'static str,
    source: &str,
    now: DateTime<Utc>,
) -> Result<UserView, ApiError> {
    let view = UserView {
        id: format!("user-{}", uuid::Uuid::now_v7()),
        unit_id: unit_id.to_owned(),
        login: user.login.trim().to_owned(),
        name: user.name.trim().to_owned(),
        post: user.post.trim().to_owned(),
        role: role.to_owned(),
        roles: Roles {
            unit_admin: role == "unit_admin",
            secretary_for: user.secretary_for.clone(),
            ..Roles::default()
        },
    };
    sql.execute(
        "INSERT INTO users (id, unit_id, login, name, post, role, roles, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        args![
            &view.id,
            unit_id,
            &view.login,
            &view.name,
            &view.post,
            role,
            encode(&view.roles)?,
            now.to_rfc3339()
        ],
    )
    .map_err(|e| match ApiError::from(e) {
        e if e.status == StatusCode::CONFLICT => ApiError::new(
            StatusCode::CONFLICT,
            "already_exists",
            format!(
                "{} already holds post {} in this unit",
                view.login, view.post
            ),
        ),
        e => e,
    })?;
    let (department, office_phone) = (user.department.trim(), user.office_phone.trim());
    if !department.is_empty() || !office_phone.is_empty() {
        sql.execute(
            "INSERT INTO directory_entries (user_id, department, office_phone, listed)
             VALUES (?1, ?2, ?3, 1)",
            args![&view.id, department, office_phone],
        )?;
    }
    actor.audit(
        sql,
        Some(unit_id),
        "user.created",
        &view.id,
        serde_json::json!({
            "login": view.login, "post": view.post, "role": role, "source": source,
            "secretary_for": view.roles.secretary_for,
        }),
        now,
    )?;
    Ok(view)
}

/// The unit of identity `user_id`, if this actor may administer it (404 otherwise).
pub fn user_unit(sql: &mut dyn Sql, actor: &AdminActor, user_id: &str) -> Result<String, ApiError> {
    sql.query_opt("SELECT unit_id FROM users WHERE id = ?1", args![user_id])?
        .map(|r| r.text(0))
        .transpose()?
        .filter(|u| actor.may_administer(u))
        .ok_or_else(|| not_found("no_such_user", format!("no user {user_id}")))
}
