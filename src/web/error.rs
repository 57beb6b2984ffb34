//! The web layer's error: each variant maps to a status code and a message
//! in Chinese; internal details go to the log, never to the client.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("缺少或错误的访问令牌")]
    Unauthorized,
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    #[error("服务器内部错误")]
    Internal,
    #[error("服务暂时不可用，请稍后重试")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    fn status(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        }
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        ApiError::Unavailable(Box::new(e))
    }
}

impl From<crate::review::ReviewError> for ApiError {
    fn from(e: crate::review::ReviewError) -> Self {
        use crate::review::{Denied, ReviewError};
        match e {
            ReviewError::Denied(Denied::NotVisible | Denied::NotAllowed) => {
                ApiError::Forbidden(e.to_string())
            }
            ReviewError::Denied(_) | ReviewError::Conflict | ReviewError::Locked { .. } => {
                ApiError::Conflict(e.to_string())
            }
            ReviewError::NotFound(_) => ApiError::NotFound(e.to_string()),
            ReviewError::Invalid(m) => ApiError::BadRequest(m),
            ReviewError::Store(e) => ApiError::from(e),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status();
        if let ApiError::Unavailable(cause) = &self {
            tracing::error!(error = %cause, "request failed");
        }
        let body = axum::Json(json!({"error": {"code": code, "message": self.to_string()}}));
        let mut response = (status, body).into_response();
        match self {
            ApiError::Unauthorized => {
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    header::HeaderValue::from_static("Bearer"),
                );
            }
            ApiError::Unavailable(_) => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
            }
            _ => {}
        }
        response
    }
}
