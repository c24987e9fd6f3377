//! The address book call: a signed `GET /v1/people` carrying the version the phone holds as
//! `If-None-Match`, so an unchanged directory comes back as a bodiless 304.

use super::{parse, Credentials, GatewayClient, LinkError};
use crate::protocol::people::{PeopleDirectory, PEOPLE_PATH};
use reqwest::Method;

impl GatewayClient {
    /// The unit's address book, or `None` when `known` (the version this phone holds) is still
    /// current.
    pub async fn people(
        &self,
        credentials: &Credentials,
        known: Option<&str>,
    ) -> Result<Option<PeopleDirectory>, LinkError> {
        let url = self.url(PEOPLE_PATH)?;
        let mut request = self.signed(Method::GET, url, Vec::new(), credentials)?;
        if let Some(version) = known {
            request = request.header("if-none-match", format!("\"{version}\""));
        }
        let response = self.send(request).await?;
        if response.status() == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(None);
        }
        parse(response).await.map(Some)
    }
}
