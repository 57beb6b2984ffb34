//! The OpenAPI 3.1 description of `/api/v1`, written by hand next to the
//! handlers it describes; a test checks that every route is in it.

use axum::Json;
use serde_json::{Value, json};

fn id_param() -> Value {
    json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}})
}

fn query(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema})
}

fn errors() -> Value {
    json!({
        "400": {"$ref": "#/components/responses/Error"},
        "401": {"$ref": "#/components/responses/Error"},
        "403": {"$ref": "#/components/responses/Error"},
        "404": {"$ref": "#/components/responses/Error"},
        "409": {"$ref": "#/components/responses/Error"},
    })
}

fn with_errors(ok: Value) -> Value {
    let mut r = errors();
    r["200"] = ok;
    r
}

fn action(summary: &str, body: Value) -> Value {
    json!({
        "post": {
            "summary": summary,
            "tags": ["alerts"],
            "parameters": [id_param()],
            "requestBody": {"required": true, "content": {"application/json": {"schema": body}}},
            "responses": with_errors(json!({"description": "变更后的预警",
                "content": {"application/json": {"schema": {"type": "object",
                    "properties": {"alert": {"$ref": "#/components/schemas/Alert"}}}}}})),
        }
    })
}

fn list_params() -> Vec<Value> {
    let s = || json!({"type": "string"});
    vec![
        query("q", "全文检索（语法见 docs/search.md）", s()),
        query("level", "等级，逗号分隔：critical,high,medium,low", s()),
        query("state", "状态、open（默认，未关闭）或 all", s()),
        query("category", "风险类别", s()),
        query("source", "来源名", s()),
        query(
            "channel",
            "渠道：campus forum news weibo wechat douyin kuaishou bilibili",
            s(),
        ),
        query("sentiment", "positive / neutral / negative", s()),
        query("range", "today / 24h / 7d / 30d", s()),
        query(
            "from",
            "起始日期（北京时间，YYYY-MM-DD）",
            json!({"type": "string", "format": "date"}),
        ),
        query(
            "to",
            "截止日期（含）",
            json!({"type": "string", "format": "date"}),
        ),
        query("assignee", "me、none 或用户 id", s()),
        query("group", "处置组 id", json!({"type": "integer"})),
        query("overdue", "任意值：只看已超时", s()),
        query("sort", "risk（默认）/ newest / updated / due", s()),
        query(
            "page",
            "页码，从 1 开始",
            json!({"type": "integer", "minimum": 1}),
        ),
        query(
            "per_page",
            "每页条数，1–500，默认 50",
            json!({"type": "integer", "minimum": 1, "maximum": 500}),
        ),
    ]
}

fn search_path() -> Value {
    let hit = json!({"type": "object", "properties": {
        "post_id": {"type": "integer"}, "event_id": {"type": "integer"}, "title": {"type": "string"},
        "snippet_html": {"type": "string"}, "score": {"type": "number"}, "source": {"type": "string"},
        "channel": {"type": "string"}, "level": {"type": "string"},
        "published": {"type": ["string", "null"], "format": "date-time"}}});
    let ok = json!({"description": "命中的帖子", "content": {"application/json": {"schema": {
        "type": "object", "properties": {"hits": {"type": "array", "items": hit}}}}}});
    json!({"get": {
        "summary": "全文检索帖子（监测员、管理员）",
        "tags": ["posts"],
        "parameters": [
            {"name": "q", "in": "query", "required": true, "schema": {"type": "string"}},
            query("limit", "最多返回条数，1–200，默认 20", json!({"type": "integer"})),
            query("since", "发布时间不早于（RFC 3339）", json!({"type": "string", "format": "date-time"})),
            query("until", "发布时间早于（RFC 3339）", json!({"type": "string", "format": "date-time"}))
        ],
        "responses": with_errors(ok)
    }})
}

fn alert_schema() -> Value {
    json!({"type": "object", "required": ["id", "event_id", "post_id", "level", "risk_score", "state"],
    "properties": {
        "id": {"type": "integer"}, "event_id": {"type": "integer"}, "post_id": {"type": "integer"},
        "level": {"$ref": "#/components/schemas/Level"}, "risk_score": {"type": "integer"},
        "state": {"$ref": "#/components/schemas/State"}, "post_count": {"type": "integer"},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
        "due_at": {"type": ["string", "null"], "format": "date-time"},
        "assignee_id": {"type": ["integer", "null"]}, "assignee": {"type": ["string", "null"]},
        "group_id": {"type": ["integer", "null"]}, "group": {"type": ["string", "null"]},
        "title": {"type": "string"}, "excerpt": {"type": "string"}, "source": {"type": "string"},
        "channel": {"type": "string"}, "url": {"type": ["string", "null"]},
        "sentiment_label": {"type": ["string", "null"]}, "sentiment_score": {"type": ["number", "null"]},
        "categories": {"type": "array", "items": {"type": "string"}},
        "false_positive": {"type": "boolean"}
    }})
}

fn components() -> Value {
    let error = json!({"type": "object", "required": ["error"], "properties": {"error": {"type": "object",
        "required": ["code", "message"], "properties": {
            "code": {"type": "string"}, "message": {"type": "string", "description": "中文说明"}}}}});
    let post = json!({"type": "object", "properties": {
        "id": {"type": "integer"}, "source": {"type": "string"}, "url": {"type": ["string", "null"]},
        "channel": {"type": "string"}, "title": {"type": "string"}, "text": {"type": "string"},
        "author": {"type": ["string", "null"]}, "published_at": {"type": ["string", "null"], "format": "date-time"},
        "event_id": {"type": "integer"}, "analysis": {"type": ["object", "null"]}}});
    let audit = json!({"type": "object", "properties": {
        "id": {"type": "integer"}, "at": {"type": "string", "format": "date-time"},
        "actor_id": {"type": ["integer", "null"], "description": "null：系统操作"},
        "action": {"type": "string"}, "before": {}, "after": {}, "note": {"type": ["string", "null"]}}});
    json!({
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "responses": {"Error": {"description": "错误", "content": {"application/json": {"schema": error}}}},
        "schemas": {
            "State": {"type": "string", "enum": ["new", "triaged", "assigned", "in_progress", "responded", "resolved", "dismissed", "escalated"]},
            "Level": {"type": "string", "enum": ["none", "low", "medium", "high", "critical"]},
            "Alert": alert_schema(),
            "Post": post,
            "AuditEntry": audit
        }
    })
}

pub fn spec() -> Value {
    let alert_page = json!({"description": "一页预警", "content": {"application/json": {"schema": {
    "type": "object", "required": ["total", "page", "per_page", "items"],
    "properties": {
        "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"},
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Alert"}}
    }}}}});
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "yuqing 舆情监测 API",
            "version": "1",
            "description": "预警、分派、帖子与检索的接口。用 `Authorization: Bearer <令牌>` 认证（`yuqing user token <用户名>` 生成），令牌拥有其用户的角色与权限；浏览器会话调用修改类接口时需在 `X-CSRF-Token` 头中带上会话的 CSRF 令牌。个人信息已脱敏。"
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/alerts": {"get": {
                "summary": "预警列表（按权限过滤：网评员只看到分派给本人或本组的预警）",
                "tags": ["alerts"], "parameters": list_params(), "responses": with_errors(alert_page.clone())
            }},
            "/api/v1/alerts/{id}": {"get": {
                "summary": "一条预警：原帖、回应、事件内的帖子与审计记录",
                "tags": ["alerts"], "parameters": [id_param()],
                "responses": with_errors(json!({"description": "预警详情", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["alert"],
                    "properties": {
                        "alert": {"$ref": "#/components/schemas/Alert"},
                        "post": {"$ref": "#/components/schemas/Post"},
                        "responses": {"type": "array", "items": {"type": "object"}},
                        "cluster": {"type": "array", "items": {"type": "object"}},
                        "audit": {"type": "array", "items": {"$ref": "#/components/schemas/AuditEntry"}}
                    }}}}}))
            }},
            "/api/v1/alerts/{id}/assign": action("分派或改派（监测员、管理员、组长）", json!({
                "type": "object", "properties": {
                    "user": {"type": "integer", "description": "网评员 id；省略时在组内按负载自动分配"},
                    "group": {"type": "integer"}, "note": {"type": "string"}}})),
            "/api/v1/alerts/{id}/state": action("变更状态（服务端校验流程与权限）", json!({
                "type": "object", "required": ["to"], "properties": {
                    "to": {"$ref": "#/components/schemas/State"}, "note": {"type": "string"}}})),
            "/api/v1/alerts/{id}/dismiss": action("排除或标记误报", json!({
                "type": "object", "required": ["reason"], "properties": {
                    "reason": {"type": "string"}, "false_positive": {"type": "boolean"}}})),
            "/api/v1/alerts/{id}/respond": action("记录回应（网评员）", json!({
                "type": "object", "required": ["text"], "properties": {
                    "text": {"type": "string"}, "link": {"type": "string", "format": "uri"},
                    "channel": {"type": "string"}}})),
            "/api/v1/assignments": {"get": {
                "summary": "分派给调用者的预警（默认未关闭、按处置时限排序）",
                "tags": ["alerts"], "parameters": list_params(), "responses": with_errors(alert_page)
            }},
            "/api/v1/posts/{id}": {"get": {
                "summary": "一条帖子及其分析（监测员、管理员）",
                "tags": ["posts"], "parameters": [id_param()],
                "responses": with_errors(json!({"description": "帖子", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"post": {"$ref": "#/components/schemas/Post"}}}}}}))
            }},
            "/api/v1/openapi.json": {"get": {
                "summary": "本文档", "security": [], "tags": ["meta"],
                "responses": {"200": {"description": "OpenAPI 3.1 文档"}}
            }}
        }

    });
    doc["paths"]["/api/v1/search"] = search_path();
    doc["components"] = components();
    doc
}

pub async fn document() -> Json<Value> {
    Json(spec())
}
