//! User and group administration for admins (用户管理): add users with a
//! generated password (shown once), disable or enable them, reset their
//! password, create commentator groups and add members. Every change is
//! audited by the store; disabling or resetting ends the user's sessions.

use super::auth::CurrentUser;
use super::pages::{Flash, error_page, render, ser, user_ctx};
use super::{ApiError, AppState};
use crate::review::Role;
use crate::review::users::{UserError, add_user, generate_password, hash_password};
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

fn admins_only(user: &CurrentUser) -> Result<(), ApiError> {
    if user.actor.has(Role::Admin) {
        Ok(())
    } else {
        Err(ApiError::Forbidden("只有管理员可以管理用户".into()))
    }
}

fn back(message: &str) -> Response {
    let msg: String = url::form_urlencoded::byte_serialize(message.as_bytes()).collect();
    Redirect::to(&format!("/admin/users?ok={msg}")).into_response()
}

/// The page, with a password to show once (after add or reset).
async fn show(
    state: &AppState,
    user: &CurrentUser,
    flash: Flash,
    password: Option<(String, String)>,
) -> Result<Response, ApiError> {
    let store = state.pipeline.store();
    let users = store.users().await?;
    let groups = store.groups().await?;
    let names: std::collections::HashMap<i64, &str> = users
        .iter()
        .map(|u| (u.id, u.display_name.as_str()))
        .collect();
    let users_ctx: Vec<_> = users
        .iter()
        .map(|u| {
            let in_groups: Vec<&str> = groups
                .iter()
                .filter(|g| g.members.contains(&u.id))
                .map(|g| g.name.as_str())
                .collect();
            minijinja::context! {
                id => u.id,
                username => &u.username,
                display_name => &u.display_name,
                roles => u.roles.iter().map(|r| r.zh()).collect::<Vec<_>>().join("、"),
                commentator => u.roles.contains(&Role::Commentator),
                disabled => u.disabled,
                groups => in_groups.join("、"),
                is_me => u.id == user.user.id,
            }
        })
        .collect();
    let groups_ctx: Vec<_> = groups
        .iter()
        .map(|g| {
            minijinja::context! {
                id => g.id,
                name => &g.name,
                lead => g.lead_id.and_then(|l| names.get(&l).copied()),
                members => g.members.iter().filter_map(|m| names.get(m).copied()).collect::<Vec<_>>().join("、"),
            }
        })
        .collect();
    let roles: Vec<_> = Role::ALL
        .into_iter()
        .map(|r| minijinja::context! { value => r.as_str(), zh => r.zh() })
        .collect();
    Ok(render(
        state,
        "admin_users.html",
        minijinja::context! {
            user => user_ctx(user),
            csrf => &user.csrf,
            nav => "admin",
            flash => ser(&flash),
            users => users_ctx,
            groups => groups_ctx,
            roles,
            password => password.map(|(who, p)| minijinja::context! { who, password => p }),
        },
        StatusCode::OK,
    ))
}

pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(flash): Query<Flash>,
) -> Result<Response, ApiError> {
    admins_only(&user)?;
    show(&state, &user, flash, None).await
}

fn field<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

fn refused(state: &AppState, e: UserError) -> Response {
    match e {
        UserError::Store(e) => ApiError::from(e).into_response(),
        e => error_page(
            state,
            StatusCode::BAD_REQUEST,
            &e.to_string(),
            "/admin/users",
        ),
    }
}

pub async fn add(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    admins_only(&user)?;
    user.check_csrf(field(&pairs, "csrf"))?;
    let username = field(&pairs, "username").unwrap_or("");
    let roles: Vec<Role> = pairs
        .iter()
        .filter(|(k, _)| k == "role")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let password = generate_password();
    let now = state.clock.now();
    if let Err(e) = add_user(
        state.pipeline.store(),
        username,
        field(&pairs, "display_name"),
        &roles,
        &password,
        Some(user.user.id),
        now,
    )
    .await
    {
        return Ok(refused(&state, e));
    }
    let flash = Flash {
        ok: Some(format!("已创建用户 {username}")),
        err: None,
    };
    show(&state, &user, flash, Some((username.to_string(), password))).await
}

#[derive(serde::Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: Option<String>,
}

pub async fn set_disabled(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, action)): Path<(i64, String)>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, ApiError> {
    admins_only(&user)?;
    user.check_csrf(form.csrf.as_deref())?;
    let disable = match action.as_str() {
        "disable" => true,
        "enable" => false,
        _ => return Err(ApiError::NotFound("没有这个操作".into())),
    };
    if disable && id == user.user.id {
        return Ok(error_page(
            &state,
            StatusCode::BAD_REQUEST,
            "不能停用自己的账户",
            "/admin/users",
        ));
    }
    let store = state.pipeline.store();
    if !store
        .set_user_disabled(id, disable, Some(user.user.id), state.clock.now())
        .await?
    {
        return Err(ApiError::NotFound(format!("用户 {id} 不存在")));
    }
    if disable {
        store.end_sessions(id, None).await?;
    }
    Ok(back(if disable { "已停用" } else { "已启用" }))
}

pub async fn reset_password(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, ApiError> {
    admins_only(&user)?;
    user.check_csrf(form.csrf.as_deref())?;
    let store = state.pipeline.store();
    let target = store
        .user(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("用户 {id} 不存在")))?;
    let password = generate_password();
    let hash = match hash_password(&password) {
        Ok(h) => h,
        Err(e) => return Ok(refused(&state, e)),
    };
    store
        .set_password(id, &hash, Some(user.user.id), state.clock.now())
        .await?;
    store.end_sessions(id, None).await?;
    let flash = Flash {
        ok: Some(format!(
            "已重置 {} 的密码，其登录已全部退出",
            target.username
        )),
        err: None,
    };
    show(&state, &user, flash, Some((target.username, password))).await
}

pub async fn add_group(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    admins_only(&user)?;
    user.check_csrf(field(&pairs, "csrf"))?;
    let Some(name) = field(&pairs, "name") else {
        return Ok(error_page(
            &state,
            StatusCode::BAD_REQUEST,
            "请填写组名",
            "/admin/users",
        ));
    };
    let lead = field(&pairs, "lead").and_then(|v| v.parse::<i64>().ok());
    let store = state.pipeline.store();
    if store.group_id(name).await?.is_some() {
        return Ok(error_page(
            &state,
            StatusCode::CONFLICT,
            &format!("已有名为 {name} 的组"),
            "/admin/users",
        ));
    }
    store
        .create_group(name, lead, Some(user.user.id), state.clock.now())
        .await?;
    Ok(back(&format!("已创建处置组 {name}")))
}

pub async fn add_member(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(group): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    admins_only(&user)?;
    user.check_csrf(field(&pairs, "csrf"))?;
    let member = field(&pairs, "user")
        .and_then(|v| v.parse::<i64>().ok())
        .ok_or_else(|| ApiError::BadRequest("请选择成员".into()))?;
    let store = state.pipeline.store();
    let ok = store
        .user(member)
        .await?
        .is_some_and(|u| u.roles.contains(&Role::Commentator));
    if !ok {
        return Ok(error_page(
            &state,
            StatusCode::BAD_REQUEST,
            "只有网评员可以加入处置组",
            "/admin/users",
        ));
    }
    if !store.groups().await?.iter().any(|g| g.id == group) {
        return Err(ApiError::NotFound(format!("处置组 {group} 不存在")));
    }
    store
        .add_group_member(group, member, Some(user.user.id), state.clock.now())
        .await?;
    Ok(back("已加入处置组"))
}
