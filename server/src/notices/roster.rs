//! What a publisher sees of a unit's notices: a summary per notice (how many read and replied),
//! and one notice's roster — every recipient's 送达 / 已读 / 回执 with the reply, and who has not
//! read or not replied yet (the core's [`Receipts::unread`] and [`Receipts::unreplied`], the
//! rules the phones use too). Another unit's notice answers 404 as if it did not exist.

use super::no_such_notice;
use crate::actor::AdminActor;
use crate::db::{decode, Db};
use crate::error::ApiError;
use crate::sql::args;
use crate::sql::Sql;
use chrono::{DateTime, Utc};
use qianpi_domain::model::{Notice, Receipts, RecipientStatus, Reply};
use serde::{Deserialize, Serialize};

/// Most summaries in one answer.
pub const MAX_LIST: usize = 500;

/// One notice in a unit's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NoticeSummary {
    /// The notice id.
    pub id: String,
    /// 标题.
    pub title: String,
    /// 发布时间.
    pub published_at: DateTime<Utc>,
    /// 需要回执.
    pub receipt_required: bool,
    /// How many people it was addressed to.
    pub recipients: u64,
    /// How many have read it.
    pub read: u64,
    /// How many have replied.
    pub replied: u64,
}

/// One recipient's state, for the publisher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = NoticeRecipient)]
pub struct RecipientView {
    /// User id.
    pub user_id: String,
    /// 姓名.
    pub name: String,
    /// 职务.
    pub post: String,
    /// 送达时间.
    // This and the next three are always sent, null until they happen.
    #[schema(required = true)]
    pub delivered_at: Option<DateTime<Utc>>,
    /// 阅读时间.
    #[schema(required = true)]
    pub read_at: Option<DateTime<Utc>>,
    /// 回执时间.
    #[schema(required = true)]
    pub replied_at: Option<DateTime<Utc>>,
    /// 回执.
    #[schema(required = true)]
    pub reply: Option<Reply>,
}

/// 回执汇总 — a notice's roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NoticeReceipts {
    /// The notice id.
    pub notice_id: String,
    /// 标题.
    pub title: String,
    /// 需要回执.
    pub receipt_required: bool,
    /// Every recipient, by user id.
    pub recipients: Vec<RecipientView>,
    /// 未读: who has not read it.
    pub unread: Vec<String>,
    /// 未回执: who has not replied (nobody when no receipt is required).
    pub unreplied: Vec<String>,
}

/// The newest `limit` notices of `unit_id` after skipping `offset`, newest first.
pub async fn list(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    limit: usize,
    offset: usize,
) -> Result<Vec<NoticeSummary>, ApiError> {
    let (actor, unit_id) = (actor.clone(), unit_id.to_owned());
    let limit = i64::try_from(limit.clamp(1, MAX_LIST)).unwrap_or(1);
    let offset = i64::try_from(offset).unwrap_or(i64::MAX);
    db.tx(move |sql| {
        actor.check_unit(sql, &unit_id)?;
        let rows = sql.query(
            "SELECT n.body, COUNT(r.user_id), COUNT(r.read_at), COUNT(r.replied_at)
             FROM notices n LEFT JOIN notice_recipients r ON r.notice_id = n.id
             WHERE n.unit_id = ?1 GROUP BY n.id, n.body, n.published_at
             ORDER BY n.published_at DESC, n.id DESC LIMIT ?2 OFFSET ?3",
            args![&unit_id, limit, offset],
        )?;
        rows.into_iter()
            .map(|row| {
                let notice: Notice = decode(&row.text(0)?)?;
                let count = |i| row.int(i).map(|n| u64::try_from(n).unwrap_or(0));
                Ok(NoticeSummary {
                    id: notice.id,
                    title: notice.title,
                    published_at: notice.published_at,
                    receipt_required: notice.receipt_required,
                    recipients: count(1)?,
                    read: count(2)?,
                    replied: count(3)?,
                })
            })
            .collect()
    })
    .await
}

/// The roster of notice `notice_id` of `unit_id`.
pub async fn receipts(
    db: &Db,
    actor: &AdminActor,
    unit_id: &str,
    notice_id: &str,
) -> Result<NoticeReceipts, ApiError> {
    let (actor, unit_id, notice_id) = (actor.clone(), unit_id.to_owned(), notice_id.to_owned());
    db.tx(move |sql| {
        actor.check_unit(sql, &unit_id)?;
        let notice = load(sql, &unit_id, &notice_id)?.ok_or_else(|| no_such_notice(&notice_id))?;
        let rows = sql.query(
            "SELECT r.user_id, u.name, u.post, r.status FROM notice_recipients r
             JOIN users u ON u.id = r.user_id WHERE r.notice_id = ?1 ORDER BY r.user_id",
            args![&notice_id],
        )?;
        let mut roster = Receipts::new(&notice.id, Vec::<String>::new());
        let mut recipients = Vec::with_capacity(rows.len());
        for row in rows {
            let status: RecipientStatus = decode(&row.text(3)?)?;
            let user_id = row.text(0)?;
            recipients.push(RecipientView {
                user_id: user_id.clone(),
                name: row.text(1)?,
                post: row.text(2)?,
                delivered_at: status.delivered_at,
                read_at: status.read_at,
                replied_at: status.replied_at,
                reply: status.reply.clone(),
            });
            roster.recipients.insert(user_id, status);
        }
        let owned = |ids: Vec<&str>| ids.into_iter().map(str::to_owned).collect::<Vec<_>>();
        let unread = owned(roster.unread());
        let unreplied = owned(
            roster
                .unreplied(&notice)
                .map_err(|e| ApiError::internal(e.to_string()))?,
        );
        Ok(NoticeReceipts {
            notice_id: notice.id,
            title: notice.title,
            receipt_required: notice.receipt_required,
            recipients,
            unread,
            unreplied,
        })
    })
    .await
}

/// Notice `notice_id` if it belongs to `unit_id`.
pub(super) fn load(
    sql: &mut dyn Sql,
    unit_id: &str,
    notice_id: &str,
) -> Result<Option<Notice>, ApiError> {
    if !super::is_notice_id(notice_id) {
        return Ok(None);
    }
    sql.query_opt(
        "SELECT body FROM notices WHERE id = ?1 AND unit_id = ?2",
        args![notice_id, unit_id],
    )?
    .map(|row| decode(&row.text(0)?))
    .transpose()
}
