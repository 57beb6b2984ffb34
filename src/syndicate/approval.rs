//! The approval workflow as users take it: draft → submitted → approved /
//! rejected → scheduled → publishing → published / failed (per channel in
//! the outbox). Only publishers and admins write and publish; the approver
//! is never the author nor the editor of the version approved. Every step
//! checks the actor and the current state, and writes its audit entry in the
//! same transaction as the change.

use super::SyndicateError;
use super::check::{CheckReport, PublishChecker};
use super::content::{Content, ContentBody, ContentState};
use super::variants;
use crate::review::{Actor, Role};
use crate::store::{ContentChange, NewPublication, Store};
use chrono::{DateTime, Utc};

/// The moves the workflow allows, whoever makes them.
pub fn next_states(from: ContentState) -> &'static [ContentState] {
    use ContentState::*;
    match from {
        Draft => &[Submitted],
        Submitted => &[Approved, Rejected],
        Rejected => &[Draft],
        Approved => &[Scheduled],
        // The second check can stop it before anything is sent.
        Scheduled => &[Publishing, Failed],
        Publishing => &[Published, Failed],
        // "Retry failed" requeues the failed channels.
        Failed => &[Publishing],
        Published => &[],
    }
}

/// Publishers and admins write, submit, approve and publish content.
pub fn can_publish(actor: &Actor) -> bool {
    actor.has(Role::Publisher) || actor.has(Role::Admin)
}

/// The idempotency key of one content version on one channel.
pub fn idempotency_key(content_id: i64, version: i64, channel_id: i64) -> String {
    format!("yuqing-c{content_id}-v{version}-ch{channel_id}")
}

/// The workflow over the store, with the publishing check.
pub struct Desk<'a> {
    pub store: &'a Store,
    pub checker: &'a PublishChecker,
}

impl Desk<'_> {
    fn require_publisher(actor: &Actor) -> Result<(), SyndicateError> {
        if can_publish(actor) {
            Ok(())
        } else {
            Err(SyndicateError::Denied(
                "只有宣传员或管理员可以编辑和发布内容",
            ))
        }
    }

    async fn load(&self, id: i64) -> Result<Content, SyndicateError> {
        self.store
            .syn_content(id)
            .await?
            .ok_or(SyndicateError::NotFound(id))
    }

    fn transition(from: ContentState, to: ContentState) -> Result<(), SyndicateError> {
        if next_states(from).contains(&to) {
            Ok(())
        } else {
            Err(SyndicateError::IllegalTransition { from, to })
        }
    }

    /// A new draft written by `actor`.
    pub async fn create(
        &self,
        actor: &Actor,
        body: &ContentBody,
        now: DateTime<Utc>,
    ) -> Result<i64, SyndicateError> {
        Self::require_publisher(actor)?;
        validate_body(body)?;
        Ok(self
            .store
            .syn_create_content(actor.user_id, body, None, now)
            .await?)
    }

    /// A draft from a stored post (its title, text and link).
    pub async fn promote_post(
        &self,
        actor: &Actor,
        post_id: i64,
        now: DateTime<Utc>,
    ) -> Result<i64, SyndicateError> {
        Self::require_publisher(actor)?;
        let post = self
            .store
            .post(post_id)
            .await?
            .ok_or(SyndicateError::Invalid(format!("帖子 {post_id} 不存在")))?;
        let body = ContentBody {
            title: post.title.clone(),
            // The post is text, not Markdown: keep its paragraphs, escape markup.
            body: post
                .text
                .lines()
                .map(escape_markdown)
                .collect::<Vec<_>>()
                .join("\n\n"),
            author: post.author.clone(),
            link: post.url.clone(),
            tags: post.tags.clone(),
            ..ContentBody::default()
        };
        Ok(self
            .store
            .syn_create_content(actor.user_id, &body, Some(post_id), now)
            .await?)
    }

    /// A draft from a commentator's response recorded on an alert (its
    /// text and the link of the published reply); the alert's post is kept
    /// as the source. The caller checks that the response was accepted.
    pub async fn promote_response(
        &self,
        actor: &Actor,
        source_post_id: i64,
        response: &crate::store::ResponseRow,
        now: DateTime<Utc>,
    ) -> Result<i64, SyndicateError> {
        Self::require_publisher(actor)?;
        let first_line = response.text.lines().next().unwrap_or("").trim();
        let body = ContentBody {
            title: first_line.chars().take(30).collect(),
            body: response
                .text
                .lines()
                .map(escape_markdown)
                .collect::<Vec<_>>()
                .join("\n\n"),
            link: response.link.clone(),
            ..ContentBody::default()
        };
        Ok(self
            .store
            .syn_create_content(actor.user_id, &body, Some(source_post_id), now)
            .await?)
    }

    /// Save an edit as a new version (drafts and rejected content only).
    pub async fn edit(
        &self,
        actor: &Actor,
        id: i64,
        expected_version: i64,
        body: &ContentBody,
        now: DateTime<Utc>,
    ) -> Result<i64, SyndicateError> {
        Self::require_publisher(actor)?;
        validate_body(body)?;
        let content = self.load(id).await?;
        if !content.state.is_editable() {
            return Err(SyndicateError::Invalid(format!(
                "「{}」状态的内容不能修改",
                content.state.zh()
            )));
        }
        self.store
            .syn_edit_content(id, actor.user_id, expected_version, body, now)
            .await?
            .ok_or(SyndicateError::Conflict)
    }

    /// Submit for approval to the chosen channels: the check must pass (no
    /// critical hit) and every channel's variant must keep its limits.
    /// Returns the check report (with warnings for the approver).
    pub async fn submit(
        &self,
        actor: &Actor,
        id: i64,
        channel_ids: &[i64],
        now: DateTime<Utc>,
    ) -> Result<CheckReport, SyndicateError> {
        Self::require_publisher(actor)?;
        let content = self.load(id).await?;
        Self::transition(content.state, ContentState::Submitted)?;
        if channel_ids.is_empty() {
            return Err(SyndicateError::Invalid("请至少选择一个发布渠道".into()));
        }
        let report = self.checker.check(&content.body);
        if report.blocked() {
            return Err(SyndicateError::Blocked(Box::new(report)));
        }
        self.variants(&content, channel_ids).await?;
        let mut change = ContentChange::new(
            id,
            Some(actor.user_id),
            "content.submit",
            content.state,
            ContentState::Submitted,
            now,
        );
        change.channel_ids = Some(channel_ids);
        change.details = Some(serde_json::json!({
            "version": content.version,
            "rules_version": report.rules_version,
            "warnings": report.warnings().map(|h| &h.rule).collect::<Vec<_>>(),
        }));
        self.apply(&change).await?;
        Ok(report)
    }

    /// Writes a change that was checked against the state just read; another
    /// user's change in between makes it a conflict.
    async fn apply(&self, change: &ContentChange<'_>) -> Result<(), SyndicateError> {
        if self.store.syn_change_content(change).await? {
            Ok(())
        } else {
            Err(SyndicateError::Conflict)
        }
    }

    /// The variants of the content's current version for the channels, or
    /// every violated limit.
    async fn variants(
        &self,
        content: &Content,
        channel_ids: &[i64],
    ) -> Result<Vec<NewPublication>, SyndicateError> {
        let mut jobs = Vec::new();
        let mut problems = Vec::new();
        for &cid in channel_ids {
            let Some(ch) = self.store.syn_channel(cid).await? else {
                return Err(SyndicateError::Invalid(format!("渠道 {cid} 不存在")));
            };
            if !ch.account.enabled {
                return Err(SyndicateError::Invalid(format!(
                    "渠道「{}」已停用",
                    ch.account.name
                )));
            }
            let (variant, violations) = variants::build(&content.body, &ch.account);
            problems.extend(
                violations
                    .into_iter()
                    .map(|v| format!("{}：{}", ch.account.name, v.message)),
            );
            jobs.push(NewPublication {
                channel_id: cid,
                idempotency_key: idempotency_key(content.id, content.version, cid),
                variant,
            });
        }
        if problems.is_empty() {
            Ok(jobs)
        } else {
            Err(SyndicateError::Limits(problems))
        }
    }

    /// Approve the submitted version. Not by its author or last editor.
    pub async fn approve(
        &self,
        actor: &Actor,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<(), SyndicateError> {
        Self::require_publisher(actor)?;
        let content = self.load(id).await?;
        self.not_own(actor, &content).await?;
        Self::transition(content.state, ContentState::Approved)?;
        let mut change = ContentChange::new(
            id,
            Some(actor.user_id),
            "content.approve",
            content.state,
            ContentState::Approved,
            now,
        );
        change.approved_version = Some(Some(content.version));
        change.approver = Some(Some(actor.user_id));
        change.details = Some(serde_json::json!({"version": content.version}));
        self.apply(&change).await?;
        Ok(())
    }

    /// Send the submission back with a reason.
    pub async fn reject(
        &self,
        actor: &Actor,
        id: i64,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), SyndicateError> {
        Self::require_publisher(actor)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(SyndicateError::Invalid("驳回时须填写原因".into()));
        }
        let content = self.load(id).await?;
        self.not_own(actor, &content).await?;
        Self::transition(content.state, ContentState::Rejected)?;
        let mut change = ContentChange::new(
            id,
            Some(actor.user_id),
            "content.reject",
            content.state,
            ContentState::Rejected,
            now,
        );
        change.approver = Some(Some(actor.user_id));
        change.reject_reason = Some(Some(reason));
        change.note = Some(reason);
        self.apply(&change).await?;
        Ok(())
    }

    async fn not_own(&self, actor: &Actor, content: &Content) -> Result<(), SyndicateError> {
        if content.author_id == actor.user_id {
            return Err(SyndicateError::Denied("不能审核自己撰写的内容"));
        }
        let editors = self.store.syn_content_versions(content.id).await?;
        if editors
            .iter()
            .any(|v| v.version == content.version && v.editor_id == actor.user_id)
        {
            return Err(SyndicateError::Denied("不能审核自己修改的版本"));
        }
        Ok(())
    }

    /// Schedule the approved content for `at`, or now.
    pub async fn schedule(
        &self,
        actor: &Actor,
        id: i64,
        at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(), SyndicateError> {
        Self::require_publisher(actor)?;
        let content = self.load(id).await?;
        Self::transition(content.state, ContentState::Scheduled)?;
        if content.approved_version != Some(content.version) {
            return Err(SyndicateError::Invalid("该版本尚未审核通过".into()));
        }
        let when = at.unwrap_or(now).max(now);
        let mut change = ContentChange::new(
            id,
            Some(actor.user_id),
            "content.schedule",
            content.state,
            ContentState::Scheduled,
            now,
        );
        change.scheduled_at = Some(Some(when));
        change.details = Some(serde_json::json!({"at": when}));
        self.apply(&change).await?;
        Ok(())
    }

    /// Hand scheduled content whose time has come to the outbox: check it
    /// again, build its variants, queue one job per channel. Content that
    /// now fails the check (rules changed) fails without sending anything.
    /// Returns the ids released.
    pub async fn release_due(&self, now: DateTime<Utc>) -> Result<Vec<i64>, SyndicateError> {
        let mut released = Vec::new();
        for id in self.store.syn_due_contents(now).await? {
            let content = self.load(id).await?;
            if content.state != ContentState::Scheduled {
                continue;
            }
            let report = self.checker.check(&content.body);
            if report.blocked() || content.approved_version != Some(content.version) {
                let mut change = ContentChange::new(
                    id,
                    None,
                    "content.check_failed",
                    ContentState::Scheduled,
                    ContentState::Failed,
                    now,
                );
                let summary = report.blocking_summary();
                change.details = Some(serde_json::json!({"rules_version": report.rules_version}));
                change.note = Some(summary.as_str());
                self.store.syn_change_content(&change).await?;
                continue;
            }
            let jobs = match self.variants(&content, &content.channel_ids).await {
                Ok(jobs) => jobs,
                Err(e) => {
                    let msg = e.to_string();
                    let mut change = ContentChange::new(
                        id,
                        None,
                        "content.check_failed",
                        ContentState::Scheduled,
                        ContentState::Failed,
                        now,
                    );
                    change.note = Some(msg.as_str());
                    self.store.syn_change_content(&change).await?;
                    continue;
                }
            };
            let change = ContentChange::new(
                id,
                None,
                "content.publish",
                ContentState::Scheduled,
                ContentState::Publishing,
                now,
            );
            if self
                .store
                .syn_enqueue(&change, content.version, &jobs)
                .await?
            {
                released.push(id);
            }
        }
        Ok(released)
    }

    /// Queue the failed channels of a content again.
    pub async fn retry_failed(
        &self,
        actor: &Actor,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<u64, SyndicateError> {
        Self::require_publisher(actor)?;
        let content = self.load(id).await?;
        if content.state != ContentState::Failed {
            return Err(SyndicateError::Invalid("只有发布失败的内容可以重试".into()));
        }
        Ok(self.store.syn_retry_failed(id, actor.user_id, now).await?)
    }
}

/// Reject what cannot be content at all (the limits are per channel).
fn validate_body(body: &ContentBody) -> Result<(), SyndicateError> {
    if body.title.trim().is_empty() {
        return Err(SyndicateError::Invalid("标题不能为空".into()));
    }
    if body.body.trim().is_empty() && body.video.is_none() {
        return Err(SyndicateError::Invalid("正文不能为空".into()));
    }
    for m in body.cover.iter().chain(&body.images).chain(&body.video) {
        if !std::path::Path::new(&m.path).is_file() {
            return Err(SyndicateError::Invalid(format!(
                "媒体文件不存在：{}",
                m.path
            )));
        }
    }
    Ok(())
}

fn escape_markdown(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for c in line.trim().chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '<' | '>' | '!' | '|'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
