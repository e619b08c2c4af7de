/// The OpenAPI 3.1 description of every route this server answers. A test checks that
/// every registered route appears here and that the document parses.
///
/// Decisions the public API leaves open are written into the descriptions below.
enum OpenAPIDocument {
    static let json = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "PacSpace Server",
            "version": "0.1.0",
            "description": "Self-hostable, wire-compatible implementation of the PacSpace verification API. Every JSON answer is an envelope: success {success: true, statusCode, data, message?}; error {success: false, statusCode, error: {code, message, details?, retryAfterSeconds?}, message}. Every response carries X-Request-Id. Request bodies must be JSON objects sent with Content-Type: application/json, at most 1 MiB (413 PAYLOAD_TOO_LARGE); members a route does not know are rejected with 400 VALIDATION_ERROR naming them. A query parameter given empty or more than once is 400 too (leave out what you do not mean to send). Unknown routes are 404 NOT_FOUND; a known path with another method is 405 METHOD_NOT_ALLOWED with an Allow header. 503 SERVICE_UNAVAILABLE (with Retry-After) means the database could not be reached or did not answer in time (PostgreSQL: 5 s for a connection, 10 s for an answer); on a write it means not confirmed, never half-applied: retry with the same Idempotency-Key or referenceId, which never stores twice."
          },
          "servers": [{"url": "http://localhost:8080"}],
          "components": {
            "securitySchemes": {
              "apiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key", "description": "pk_<test|live>_<publicId>.sk_<test|live>_<secret>; the key chooses the environment. Invalid, disabled or revoked: 401 INVALID_API_KEY; environment not active: 412 CONTRACT_NOT_DEPLOYED."},
              "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT", "description": "Access token from POST /dashboard/auth/login (HS256, 15 minutes by default). Claims: sub, tid, role, sid (the session), iss (the server's PUBLIC_URL), aud (pacspace-dashboard), exp, iat, jti; the header names the key (kid). A token is refused when its session has ended, its iss or aud differ, it lives longer than the server issues (+60 s) or its iat lies ahead."},
              "metricsToken": {"type": "http", "scheme": "bearer", "description": "The operator's PACSPACE_METRICS_TOKEN, for a Prometheus scraper."}
            },
            "schemas": {
              "Error": {
                "type": "object", "required": ["success", "statusCode", "error", "message"],
                "properties": {
                  "success": {"const": false}, "statusCode": {"type": "integer"}, "message": {"type": "string"},
                  "error": {"type": "object", "required": ["code", "message"], "properties": {
                    "code": {"type": "string", "examples": ["VALIDATION_ERROR", "UNAUTHORIZED", "NOT_FOUND", "EMAIL_TAKEN", "BALANCE_OUT_OF_RANGE", "AMOUNT_OUT_OF_RANGE", "LOG_BACKLOG_FULL", "AMBIGUOUS_PROOF_ROOT", "RATE_LIMITED"]},
                    "message": {"type": "string"},
                    "details": {"type": "array", "items": {"type": "object", "properties": {"field": {"type": "string"}, "problem": {"type": "string"}}}},
                    "retryAfterSeconds": {"type": "integer"}}}
                }
              },
              "Success": {
                "type": "object", "required": ["success", "statusCode", "data"],
                "properties": {"success": {"const": true}, "statusCode": {"type": "integer"}, "data": {}, "message": {"type": "string"}}
              },
              "User": {
                "type": "object",
                "properties": {"id": {"type": "string", "pattern": "^usr_"}, "email": {"type": "string"}, "firstName": {"type": "string"},
                  "lastName": {"type": "string"}, "tenantId": {"type": "string", "pattern": "^tnt_"}, "role": {"type": "string", "enum": ["owner", "admin", "developer", "viewer"]},
                  "emailVerified": {"type": "boolean"}}
              },
              "Session": {
                "type": "object",
                "properties": {"accessToken": {"type": "string"}, "refreshToken": {"type": "string", "description": "Opaque, single use: refreshing spends it and returns a new one; presenting a spent one revokes every token of its session family."},
                  "tokenType": {"const": "Bearer"}, "expiresIn": {"type": "integer", "description": "Access token lifetime in seconds."}, "user": {"$ref": "#/components/schemas/User"}}
              },
              "DeltaInput": {
                "type": "object", "required": ["customerId", "delta", "reason"], "additionalProperties": false,
                "properties": {
                  "customerId": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,128}$"},
                  "delta": {"type": "number", "not": {"const": 0}, "minimum": -1000000000, "maximum": 1000000000, "description": "Non-zero, at most 6 decimal places (more is 400, never rounded), |delta| <= 1000000000. Read exactly from the JSON text, never through a float."},
                  "reason": {"type": "string", "minLength": 1, "maxLength": 500, "pattern": "^[^\\u0000-\\u001f\\u007f]*[^\\s\\u0000-\\u001f\\u007f][^\\u0000-\\u001f\\u007f]*$"},
                  "referenceId": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[^\\u0000-\\u001f\\u007f]*[^\\s\\u0000-\\u001f\\u007f][^\\u0000-\\u001f\\u007f]*$"},
                  "metadata": {"type": "object", "description": "Any JSON object up to 16 KiB (canonical JSON)."},
                  "adjusts": {"type": "object", "required": ["referenceId"], "additionalProperties": false, "properties": {"referenceId": {"type": "string"}},
                    "description": "Names an existing delta of the same customer (else 400); the adjustment is a new delta."}
                }
              },
              "EnvironmentName": {"type": "string", "enum": ["testnet", "mainnet"]},
              "Contract": {
                "type": "object",
                "properties": {"id": {"type": "string", "pattern": "^ctr_"}, "tenantId": {"type": "string"}, "environment": {"$ref": "#/components/schemas/EnvironmentName"},
                  "status": {"type": "string", "enum": ["provisioning", "active", "error"]}, "provisionedAt": {"type": ["string", "null"], "format": "date-time"},
                  "logOrigin": {"type": ["string", "null"], "description": "The origin line of the environment's C2SP checkpoints, <PUBLIC_URL host>/<tenantId>/<environment>; fixed at provisioning."},
                  "publicKey": {"type": ["string", "null"], "description": "C2SP signed-note verifier key <name>+<key id>+<base64 key> of the log."},
                  "treeSize": {"type": "integer"}, "chainId": {"type": "integer", "description": "296 for testnet, 295 for mainnet (the SDK's X-Chain-Id)."},
                  "error": {"type": "string", "description": "Only in status error."}}
              }
            },
            "parameters": {
              "IdempotencyKey": {"name": "Idempotency-Key", "in": "header", "required": false, "schema": {"type": "string", "minLength": 1, "maxLength": 255}},
              "ChainId": {"name": "X-Chain-Id", "in": "header", "required": false, "schema": {"type": "string", "enum": ["296", "295"]}, "description": "Accepted; must match the key's environment (296 testnet, 295 mainnet)."}
            },
            "responses": {
              "Error": {"description": "Error envelope", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "RateLimited": {"description": "429 RATE_LIMITED: a rate limit of the server (README, Accounts and sessions: per API key 100/s with bursts of 200; failed authentications 30 a minute per client address; each /dashboard/auth route 60 a minute per address; failed logins 40 an hour per email and address after 10). Wait Retry-After seconds (also error.retryAfterSeconds).", "headers": {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer", "minimum": 1}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
              "Ok": {"description": "Success envelope", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Success"}}}}
            }
          },
          "paths": {
            "/healthz": {"get": {"summary": "Liveness: the process answers.", "responses": {"200": {"$ref": "#/components/responses/Ok"}}}},
            "/readyz": {"get": {"summary": "Readiness: the database answers, the sequencer verifies every environment and the webhook dispatcher reads its outbox; 503 names each halted environment and why (inconsistent with its last signed checkpoint, a balance past 64 bits, a failing database…) and a stuck outbox (not read for 60 s, with the last read's error). A halted environment is retried with backoff (1 s doubling to 60 s) and resumes by itself; the others go on meanwhile.", "responses": {"200": {"$ref": "#/components/responses/Ok"}, "503": {"$ref": "#/components/responses/Error"}}}},
            "/metrics": {"get": {"summary": "Prometheus text format (README, Metrics): requests by route, method and status; ingest group sizes; sequencer batches, lag and backlog per environment (the first 50 by id, the rest as other); halted environments; webhook outbox and attempts; rate-limit refusals. 404 until PACSPACE_METRICS_TOKEN is set; then only with Authorization: Bearer <token>.",
              "security": [{"metricsToken": []}],
              "responses": {"200": {"description": "Prometheus exposition format 0.0.4", "content": {"text/plain": {"schema": {"type": "string"}}}}, "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "429": {"$ref": "#/components/responses/RateLimited"}}}},
            "/openapi.json": {"get": {"summary": "This document.", "responses": {"200": {"description": "OpenAPI 3.1 JSON"}}}},
            "/dashboard/auth/register": {"post": {
              "summary": "Create an account: a tenant with this user as owner. Sends the verification mail.",
              "description": "Passwords are 10 to 72 bytes of UTF-8 (bcrypt reads at most 72; longer ones are refused rather than truncated), so maxLength 72 holds only for ASCII. Emails are compared lowercased.",
              "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["email", "password", "firstName", "lastName", "companyName"],
                "additionalProperties": false,
                "properties": {"email": {"type": "string", "format": "email", "minLength": 3, "maxLength": 254}, "password": {"type": "string", "minLength": 10, "maxLength": 72},
                  "firstName": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[^\\u0000-\\u001f\\u007f]*[^\\s\\u0000-\\u001f\\u007f][^\\u0000-\\u001f\\u007f]*$"}, "lastName": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[^\\u0000-\\u001f\\u007f]*[^\\s\\u0000-\\u001f\\u007f][^\\u0000-\\u001f\\u007f]*$"}, "companyName": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[^\\u0000-\\u001f\\u007f]*[^\\s\\u0000-\\u001f\\u007f][^\\u0000-\\u001f\\u007f]*$"}}}}}},
              "responses": {"201": {"$ref": "#/components/responses/Ok"}, "400": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}, "413": {"$ref": "#/components/responses/Error"}, "415": {"$ref": "#/components/responses/Error"}}}},
            "/dashboard/auth/verify": {"get": {
              "summary": "Verify an email with the one-time token from the mail (valid 24 h).",
              "parameters": [{"name": "token", "in": "query", "required": true, "schema": {"type": "string", "maxLength": 200}}],
              "responses": {"200": {"$ref": "#/components/responses/Ok"}, "400": {"$ref": "#/components/responses/Error"}}}},
            "/dashboard/auth/resend-verification": {"post": {
              "summary": "Send a new verification mail. Always 200: the answer does not reveal whether the account exists.",
              "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["email"], "additionalProperties": false, "properties": {"email": {"type": "string", "format": "email", "minLength": 3, "maxLength": 254}}}}}},
              "responses": {"200": {"$ref": "#/components/responses/Ok"}, "400": {"$ref": "#/components/responses/Error"}}}},
            "/dashboard/auth/login": {"post": {
              "summary": "Log in. 401 INVALID_CREDENTIALS is the same for an unknown email and a wrong password; 403 EMAIL_NOT_VERIFIED before verification; 429 RATE_LIMITED after 10 failed attempts for one email from one client address (then one every 90 s; successful logins do not count, and other addresses are not affected) or 30 failures a minute from one address.",
              "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["email", "password"], "additionalProperties": false, "properties": {"email": {"type": "string", "format": "email", "minLength": 3, "maxLength": 254}, "password": {"type": "string", "minLength": 1}}}}}},
              "responses": {"200": {"description": "A session", "content": {"application/json": {"schema": {"allOf": [{"$ref": "#/components/schemas/Success"}, {"properties": {"data": {"$ref": "#/components/schemas/Session"}}}]}}}},
                "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "429": {"$ref": "#/components/responses/RateLimited"}}}},
            "/dashboard/auth/refresh": {"post": {
              "summary": "Exchange a refresh token for a new pair; the presented token is spent (of concurrent refreshes with one token exactly one wins). Reusing a spent token signs its whole session out (401), its access tokens included.",
              "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["refreshToken"], "additionalProperties": false, "properties": {"refreshToken": {"type": "string", "minLength": 1}}}}}},
              "responses": {"200": {"$ref": "#/components/responses/Ok"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}}}},
            "/dashboard/auth/logout": {"post": {
              "summary": "Sign the refresh token's session out: its refresh and access tokens stop working at once. 200 even for an unknown token.",
              "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["refreshToken"], "additionalProperties": false, "properties": {"refreshToken": {"type": "string", "minLength": 1}}}}}},
              "responses": {"200": {"$ref": "#/components/responses/Ok"}, "400": {"$ref": "#/components/responses/Error"}}}},
            "/dashboard/auth/me": {"get": {"summary": "The user and tenant of the access token.", "security": [{"bearer": []}],
              "responses": {"200": {"$ref": "#/components/responses/Ok"}, "401": {"$ref": "#/components/responses/Error"}}}},
            "/dashboard/auth/forgot-password": {"post": {
              "summary": "Mail a password reset token (valid 1 h). Always 200.",
              "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["email"], "additionalProperties": false, "properties": {"email": {"type": "string", "format": "email", "minLength": 3, "maxLength": 254}}}}}},
              "responses": {"200": {"$ref": "#/components/responses/Ok"}, "400": {"$ref": "#/components/responses/Error"}}}},
            "/dashboard/auth/reset-password": {"post": {
              "summary": "Set a new password with a reset token (checked before any password is hashed); every reset token of the user is spent and every session signed out, access tokens included.",
              "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["token", "password"], "additionalProperties": false, "properties": {"token": {"type": "string", "minLength": 1}, "password": {"type": "string", "minLength": 10, "maxLength": 72}}}}}},
              "responses": {"200": {"$ref": "#/components/responses/Ok"}, "400": {"$ref": "#/components/responses/Error"}}}},
            "/dashboard/auth/sessions": {"get": {"summary": "The user's live sessions, most recently used first: {sessions: [{id (ses_…), current, createdAt, lastUsedAt, ipAddress, userAgent}]}. A session is one login and its refresh tokens; every access token names its session (claim sid), and ends with it.", "security": [{"bearer": []}],
              "responses": {"200": {"$ref": "#/components/responses/Ok"}, "401": {"$ref": "#/components/responses/Error"}}}},
            "/dashboard/auth/sessions/{sessionId}": {"delete": {"summary": "Sign one of the user's sessions out: its refresh token and its access tokens stop working at once. 404 unless it is a live session of the user's.", "security": [{"bearer": []}],
              "parameters": [{"name": "sessionId", "in": "path", "required": true, "schema": {"type": "string", "minLength": 1}}],
              "responses": {"200": {"$ref": "#/components/responses/Ok"}, "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
            "/dashboard/auth/sessions/revoke-others": {"post": {"summary": "Sign every other session of the user out; this one stays. {revoked: n}.", "security": [{"bearer": []}],
              "responses": {"200": {"$ref": "#/components/responses/Ok"}, "401": {"$ref": "#/components/responses/Error"}}}},
            "/dashboard/auth/logout-everywhere": {"post": {"summary": "Sign every session of the user out, this one too. {revoked: n}.", "security": [{"bearer": []}],
              "responses": {"200": {"$ref": "#/components/responses/Ok"}, "401": {"$ref": "#/components/responses/Error"}}}},
            "/dashboard/auth/change-password": {"post": {"summary": "Change the password; the current one is required (400 naming currentPassword when wrong; 429 RATE_LIMITED past 10 attempts in 15 minutes). Every other session is signed out and every outstanding reset token spent; this session stays.", "security": [{"bearer": []}],
              "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["currentPassword", "newPassword"], "additionalProperties": false, "properties": {"currentPassword": {"type": "string", "minLength": 1}, "newPassword": {"type": "string", "minLength": 10, "maxLength": 72}}}}}},
              "responses": {"200": {"$ref": "#/components/responses/Ok"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "429": {"$ref": "#/components/responses/RateLimited"}}}},
            "/dashboard/contracts/provision": {"post": {
              "summary": "Provision an environment (the seed). 201 starts provisioning in the background; 200 when it is already provisioning or active (no second log is created, even for racing calls); an environment in error is provisioned again.",
              "description": "Provisioning creates the environment's verification log: an Ed25519 key (sealed with the master key), the origin line and the signed checkpoint of the empty tree. It survives a restart: an environment left provisioning is finished after the server starts again, or ends in error after 3 failed attempts.",
              "security": [{"bearer": []}],
              "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["environment"], "additionalProperties": false, "properties": {"environment": {"$ref": "#/components/schemas/EnvironmentName"}}}}}},
              "responses": {"201": {"$ref": "#/components/responses/Ok"}, "200": {"$ref": "#/components/responses/Ok"}, "400": {"$ref": "#/components/responses/Error"},
                "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}}}},
            "/dashboard/contracts/{tenantId}/status": {"get": {
              "summary": "Both environments of the tenant, testnet first, with status not_provisioned | provisioning | active | error; provisionedAt once active; error (a sentence) in status error; sequencer: {state: halted, reason, haltedSince, failures} only while the sequencer is not verifying the environment (retried with backoff; absent otherwise, the seed page's shape). Another tenant's id is 404.",
              "security": [{"bearer": []}],
              "parameters": [{"name": "tenantId", "in": "path", "required": true, "schema": {"type": "string"}}],
              "responses": {"200": {"$ref": "#/components/responses/Ok"}, "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
            "/dashboard/contracts": {"get": {
              "summary": "Every environment ever provisioned (data is an array, as on the public page; never more than two entries, so it is not paginated). An entry carries sequencer: {state: halted, reason, haltedSince, failures} only while its deltas are not being verified.",
              "security": [{"bearer": []}],
              "responses": {"200": {"description": "Environments", "content": {"application/json": {"schema": {"allOf": [{"$ref": "#/components/schemas/Success"}, {"properties": {"data": {"type": "array", "items": {"$ref": "#/components/schemas/Contract"}}}}]}}}},
                "401": {"$ref": "#/components/responses/Error"}}}},
            "/dashboard/api-keys": {
              "post": {
                "summary": "Create an API key. The secret (secretKey, fullKey) is shown only in this answer; only its SHA-256 is stored. 412 CONTRACT_NOT_DEPLOYED unless the matching environment (test → testnet, live → mainnet) is active.",
                "security": [{"bearer": []}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false,
                  "properties": {"name": {"type": ["string", "null"], "minLength": 1, "maxLength": 100, "pattern": "^[^\\u0000-\\u001f\\u007f]*[^\\s\\u0000-\\u001f\\u007f][^\\u0000-\\u001f\\u007f]*$", "default": "API key", "description": "null = the default."}, "environment": {"type": ["string", "null"], "enum": ["test", "live", null], "default": "test", "description": "null = test."}}}}}},
                "responses": {"201": {"$ref": "#/components/responses/Ok"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"},
                  "403": {"$ref": "#/components/responses/Error"}, "412": {"$ref": "#/components/responses/Error"}}},
              "get": {
                "summary": "The tenant's keys that are not revoked, newest first, without secrets: {items, total, page, limit}.",
                "security": [{"bearer": []}],
                "parameters": [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000000, "default": 1}},
                  {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}}],
                "responses": {"200": {"$ref": "#/components/responses/Ok"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}}}},
            "/dashboard/api-keys/{id}": {
              "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
              "get": {"summary": "One key (404 for another tenant's or a revoked key).", "security": [{"bearer": []}],
                "responses": {"200": {"$ref": "#/components/responses/Ok"}, "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}},
              "patch": {"summary": "Rename, disable (active: false) or enable a key. A disabled key is 401 INVALID_API_KEY until enabled.", "security": [{"bearer": []}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "minProperties": 1,
                  "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[^\\u0000-\\u001f\\u007f]*[^\\s\\u0000-\\u001f\\u007f][^\\u0000-\\u001f\\u007f]*$"}, "active": {"type": "boolean"}}}}}},
                "responses": {"200": {"$ref": "#/components/responses/Ok"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}},
              "delete": {"summary": "Revoke for good (200). The key stops working at once on this server, within 5 seconds on others sharing the database.", "security": [{"bearer": []}],
                "responses": {"200": {"$ref": "#/components/responses/Ok"}, "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
            "/dashboard/api-keys/{id}/rotate": {
              "post": {"summary": "A new secret for the same public id; the old secret keeps working for overlapSeconds (default 0, at most 604800 = 7 days). The body may be omitted.",
                "security": [{"bearer": []}],
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "requestBody": {"required": false, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false,
                  "properties": {"overlapSeconds": {"type": "integer", "minimum": 0, "maximum": 604800, "default": 0}}}}}},
                "responses": {"200": {"$ref": "#/components/responses/Ok"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
            "/api/v1/balance/delta": {
              "post": {
                "summary": "Record one delta. 201 once it is durably stored (fsynced) as QUEUED; the sequencer makes it VERIFIED (in the environment's log, under a signed checkpoint) within about a second.",
                "description": "Running totals are bounded: the sum of every accepted delta of a customer, and of the whole environment, stays within ±4000000000000 (4 × 10^12, half the 64-bit micro-unit range, so that every period sum a read takes fits); a delta that would take either past it is 422 BALANCE_OUT_OF_RANGE and nothing is stored (in a batch, that item FAILED with that code). While the environment has more than PACSPACE_MAX_BACKLOG (default 100000) entries waiting for the sequencer, writes answer 503 LOG_BACKLOG_FULL with Retry-After and store nothing (no idempotency record either: retry the same request). Metadata numbers must keep their value through an IEEE-754 double (I-JSON, RFC 7493): 12345678901234567891 is 400 naming the member (metadata.invoice); send such values as strings. The key's environment receives the delta. A referenceId is unique per customer forever: the same referenceId with the same content answers 200 with the original record and idempotent: true; with other content 409 IDEMPOTENCY_CONFLICT. Idempotency-Key (1 to 255 characters; scope environment + key; kept 30 days, PACSPACE_IDEMPOTENCY_DAYS, then the key is new again): the same key and body again replays the stored answer with Idempotent-Replayed: true; while the first is in flight 202 IDEMPOTENCY_PENDING; another body 409 IDEMPOTENCY_CONFLICT. A request refused with 400 stores nothing under its key. An X-Chain-Id other than the key environment's (296 testnet, 295 mainnet) is 400. contentHash = 0x + hex(SHA-256('pacspace:delta:v1' 0x00 JCS({recordId, customerId, sequenceNumber, delta (decimal string), reason, referenceId?, metadata?, adjusts?, createdAt}))).",
                "security": [{"apiKey": []}],
                "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}, {"$ref": "#/components/parameters/ChainId"}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DeltaInput"}}}},
                "responses": {"201": {"$ref": "#/components/responses/Ok"}, "200": {"$ref": "#/components/responses/Ok"}, "202": {"description": "IDEMPOTENCY_PENDING"}, "402": {"$ref": "#/components/responses/Error"}, "422": {"$ref": "#/components/responses/Error"},
                  "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"},
                  "412": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Error"}}}},
            "/api/v1/balance/delta/batch": {
              "post": {
                "summary": "Record 1 to 1000 deltas in one durable write. 201 {totalQueued, totalFailed, results: [{index, recordId?, receiptId?, customerId, delta, status: QUEUED | FAILED, sequenceNumber?, contentHash?, idempotent?, error?: {code, message}}]}; a bad item fails alone (an item past the running-total bound: FAILED with BALANCE_OUT_OF_RANGE). Backlog past PACSPACE_MAX_BACKLOG: 503 LOG_BACKLOG_FULL for the whole request, nothing stored.",
                "security": [{"apiKey": []}],
                "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}, {"$ref": "#/components/parameters/ChainId"}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["deltas"], "additionalProperties": false,
                  "properties": {"deltas": {"type": "array", "minItems": 1, "maxItems": 1000, "items": {"$ref": "#/components/schemas/DeltaInput"}}}}}}},
                "responses": {"201": {"$ref": "#/components/responses/Ok"}, "202": {"description": "IDEMPOTENCY_PENDING"}, "400": {"$ref": "#/components/responses/Error"},
                  "401": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}, "412": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Error"}}}},
            "/api/v1/balance/delta/{recordId}": {
              "get": {
                "summary": "A delta of the key's environment: the emit fields plus status, verifiedAt, logIndex, latencyMs; when VERIFIED, proof: {leafData, logIndex, treeSize, inclusionProof (0x-hex, leaf sibling first), checkpoint (signed note), receipt (C2SP tlog-proof text)} against the latest checkpoint; when FAILED, error. Another environment's id is 404.",
                "security": [{"apiKey": []}],
                "parameters": [{"name": "recordId", "in": "path", "required": true, "schema": {"type": "string"}}, {"$ref": "#/components/parameters/ChainId"}],
                "responses": {"200": {"$ref": "#/components/responses/Ok"}, "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
            "/api/v1/log/{contractId}/checkpoint": {
              "get": {"summary": "The latest signed checkpoint of the environment's log (C2SP tlog-checkpoint in a signed note), as text/plain. Public.",
                "parameters": [{"name": "contractId", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "signed note", "content": {"text/plain": {}}}, "404": {"$ref": "#/components/responses/Error"}}}},
            "/api/v1/log/{contractId}/proof/inclusion": {
              "get": {"summary": "RFC 9162 inclusion proof of entry index in the tree of treeSize leaves (default: the latest). data: {index, treeSize, leafHash, rootHash, proof: [0x-hex, leaf sibling first]}. Public.",
                "parameters": [{"name": "contractId", "in": "path", "required": true, "schema": {"type": "string"}},
                  {"name": "index", "in": "query", "required": true, "schema": {"type": "integer", "minimum": 0}},
                  {"name": "treeSize", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1}}],
                "responses": {"200": {"$ref": "#/components/responses/Ok"}, "400": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
            "/api/v1/log/{contractId}/proof/consistency": {
              "get": {"summary": "RFC 9162 consistency proof between tree sizes from and to (1 <= from <= to <= latest). data: {from, to, fromRoot, toRoot, proof: [0x-hex]}. Public.",
                "parameters": [{"name": "contractId", "in": "path", "required": true, "schema": {"type": "string"}},
                  {"name": "from", "in": "query", "required": true, "schema": {"type": "integer", "minimum": 1}},
                  {"name": "to", "in": "query", "required": true, "schema": {"type": "integer", "minimum": 1}}],
                "responses": {"200": {"$ref": "#/components/responses/Ok"}, "400": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
            "/api/v1/log/{contractId}/receipt/{receiptId}": {
              "get": {"summary": "The receipt of a verified entry: C2SP tlog-proof text (text/plain) against the latest checkpoint. Public.",
                "parameters": [{"name": "contractId", "in": "path", "required": true, "schema": {"type": "string"}},
                  {"name": "receiptId", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "tlog-proof", "content": {"text/plain": {}}}, "404": {"$ref": "#/components/responses/Error"}}}},
            "/api/v1/verify/{id}": {
              "get": {"summary": "Public verification of a checkpoint by proofRoot or checkpointId (chk_…; a proofRoot several v1 checkpoints share is 409 AMBIGUOUS_PROOF_ROOT: verify those by checkpointId) (kind checkpoint, with its summary: recordCount, netChange, startingBalance, endingBalance, firstRecordAt, lastRecordAt), or of a delta by receiptId (rcpt_…) or content hash (0x…). data: {verified, kind, receiptId, contentHash, recordedAt, status, summary: {recordCount, netChange, startingBalance, endingBalance, firstRecordAt, lastRecordAt}, records: [], source, agree?, verification: {verificationReference, logOrigin, publicKey, logIndex, treeSize, checkpoint, inclusionProof, receipt}}. Never customerId, reason or metadata. source=db answers from the database; chain recomputes the inclusion proof against the latest signed checkpoint and checks its signature; both does both and sets agree.",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^(0[xX][0-9a-fA-F]{64}|rcpt_[A-Za-z0-9]+)$"}},
                  {"name": "source", "in": "query", "required": false, "schema": {"type": "string", "enum": ["db", "chain", "both"], "default": "db"}}],
                "responses": {"200": {"$ref": "#/components/responses/Ok"}, "400": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
            "/api/v1/balance/derive/{customerId}": {
              "get": {"summary": "The customer's balance from VERIFIED deltas in a scope: {customerId, computedBalance (= startingBalance + sum), startingBalance, deltasCount, deltaCount, scope: {startDate, endDate}, latestReceiptId, lastVerifiedIndex, limit, offset, deltas: [page in sequence = log order]}.",
                "description": "Scopes, with the SDK's _validate_scope_mode rules: none = all time (the running total, O(1)); period=YYYY-MM; timePreset=current_month; timePreset=custom or no preset with startDate+endDate (window [startDate, endDate), dates or ISO times); startingCheckpoint (+ startingCheckpointType recordId | proofRoot, inferred from a rec_ prefix) = the deltas after it. A checkpoint start with any time field, period with a preset or dates, current_month with dates, custom without both dates, or one date alone: 400 INVALID_SCOPE_COMBINATION. Windows longer than the configured maximum (GET /limits): 400 SCOPE_TOO_WIDE. Future periods or windows, reversed windows, bad formats: 400 VALIDATION_ERROR. Windows are indexed range sums over acceptance time. A proofRoot start names a period checkpoint of this customer (or of the whole environment): the scope is what was accepted from the end of its window on; startingBalance is not implied (pass the checkpoint's endingBalance). Unknown customer: 404 CUSTOMER_NOT_FOUND.",
                "security": [{"apiKey": []}],
                "parameters": [{"name": "customerId", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,128}$"}},
                  {"name": "startingBalance", "in": "query", "schema": {"type": "number", "minimum": -999999999999.999999, "maximum": 999999999999.999999}},
                  {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}},
                  {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 2147483647, "default": 0}},
                  {"name": "period", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$", "description": "YYYY-MM, not in the future."}},
                  {"name": "timePreset", "in": "query", "schema": {"type": "string", "enum": ["current_month", "custom"]}},
                  {"name": "startDate", "in": "query", "schema": {"type": "string"}, "description": "YYYY-MM-DD or ISO 8601 time; inclusive."},
                  {"name": "endDate", "in": "query", "schema": {"type": "string"}, "description": "YYYY-MM-DD or ISO 8601 time; exclusive."},
                  {"name": "startingCheckpoint", "in": "query", "schema": {"type": "string", "minLength": 1}},
                  {"name": "startingCheckpointType", "in": "query", "schema": {"type": "string", "enum": ["proofRoot", "recordId"]}}],
                "responses": {"200": {"$ref": "#/components/responses/Ok"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
            "/api/v1/balance/compare": {
              "post": {"summary": "Compare both parties' balances (and optionally entry lists) with the neutral record: {customerId, neutralBalance, startingBalance, yourBalance, theirBalance, matchesYours, matchesTheirs, match, deltasCount, scope, discrepancies, firstDivergence}.",
                "description": "neutralBalance = startingBalance (default 0) + the customer's VERIFIED deltas in the scope (same scope fields and rules as derive, in the body). discrepancies: {type: balance, side, expected, actual, difference} when a claimed balance differs; with yourEntries/theirEntries ([{referenceId, delta}], at most 10000, no repeats): {type: missing | amount, side, referenceId, recordedDelta, claimedDelta?, sequenceNumber} for recorded deltas, {type: unrecorded, side, referenceId, claimedDelta} for entries the record lacks; ordered by sequence number; firstDivergence is the first entry-level one. Recorded deltas without a referenceId cannot be matched to entries and are only counted in the balance. Read-only: Idempotency-Key is accepted and ignored.",
                "security": [{"apiKey": []}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["customerId"], "additionalProperties": false,
                  "properties": {"customerId": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,128}$"}, "yourBalance": {"type": "number", "minimum": -999999999999.999999, "maximum": 999999999999.999999}, "theirBalance": {"type": "number", "minimum": -999999999999.999999, "maximum": 999999999999.999999}, "startingBalance": {"type": "number", "minimum": -999999999999.999999, "maximum": 999999999999.999999},
                    "yourEntries": {"type": "array", "maxItems": 10000, "items": {"type": "object", "required": ["referenceId", "delta"], "properties": {"referenceId": {"type": "string"}, "delta": {"type": "number", "minimum": -1000000000, "maximum": 1000000000}}}},
                    "theirEntries": {"type": "array", "maxItems": 10000, "items": {"type": "object", "required": ["referenceId", "delta"], "properties": {"referenceId": {"type": "string"}, "delta": {"type": "number", "minimum": -1000000000, "maximum": 1000000000}}}},
                    "period": {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$", "description": "YYYY-MM, not in the future."}, "timePreset": {"type": "string", "enum": ["current_month", "custom"]}, "startDate": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ].+)?$"}, "endDate": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ].+)?$"},
                    "startingCheckpoint": {"type": "string", "minLength": 1}, "startingCheckpointType": {"type": "string", "enum": ["proofRoot", "recordId"]}}}}}},
                "responses": {"200": {"$ref": "#/components/responses/Ok"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
            "/api/v1/balance/limits": {
              "get": {"summary": "The limits this server applies: {maxScopeDays (PACSPACE_MAX_SCOPE_DAYS, default 366), maxBatchSize, maxDeltaMagnitude, deltaDecimalPlaces, maxMetadataBytes, maxRequestBytes, maxCompareEntries, maxIdempotencyKeyLength, maxRunningTotal (a customer's and an environment's sum of accepted deltas stays within ±this), maxReceiptDeltas, maxReceiptMetadataBytes, maxBacklog (PACSPACE_MAX_BACKLOG)}.",
                "security": [{"apiKey": []}],
                "responses": {"200": {"$ref": "#/components/responses/Ok"}, "401": {"$ref": "#/components/responses/Error"}}}},
            "/api/v1/balance/checkpoint": {
              "post": {"summary": "Seal a period: 201 {checkpointId, proofRoot, status, customerId, scope, deltaCount, netChange, startingBalance, endingBalance, logIndex, logCheckpoint, createdAt, verifiedAt}; the same resolved scope again answers 200 with the same checkpoint.",
                "description": "customerId absent = every customer of the environment. Scope fields as derive (in the body); none = the current UTC month; startingCheckpoint (a recordId) needs customerId. proofRoot (v2, every checkpoint sealed by this version) = RFC 9162 Merkle Tree Hash whose first leaf is the JCS bytes of {origin: the environment's log origin, scope: the checkpoint's scope, type: period, v: 2} and whose other leaves are the 32 raw bytes of each covered delta's content hash, in log order — so no two periods of different environments, customers or windows share a root, empty ones included; v1 (checkpoints sealed before) has no first leaf and stays verifiable (docs/verification.md); the covered deltas are those VERIFIED when the checkpoint is made. startingBalance = the VERIFIED deltas before the period. The checkpoint entry {type: checkpoint, v (the root's version), checkpointId, proofRoot, scope, deltaCount, netChange} is appended to the log: status QUEUED until a signed checkpoint covers it, then VERIFIED with logCheckpoint = its receipt (leafData, logIndex, treeSize, inclusionProof, checkpoint, receipt). Idempotent by scope; an Idempotency-Key is accepted.",
                "security": [{"apiKey": []}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false,
                  "properties": {"customerId": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,128}$"}, "period": {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$", "description": "YYYY-MM, not in the future."}, "timePreset": {"type": "string", "enum": ["current_month", "custom"]},
                    "startDate": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ].+)?$"}, "endDate": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ].+)?$"}, "startingCheckpoint": {"type": "string", "minLength": 1}, "startingCheckpointType": {"type": "string", "enum": ["proofRoot", "recordId"]}}}}}},
                "responses": {"201": {"$ref": "#/components/responses/Ok"}, "200": {"$ref": "#/components/responses/Ok"}, "400": {"$ref": "#/components/responses/Error"},
                  "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
            "/api/v1/balance/checkpoints": {
              "get": {"summary": "The environment's checkpoints, newest first: {checkpoints: [...], total, limit, offset}; customerId filters to one customer's, scope fields to one resolved scope.",
                "security": [{"apiKey": []}],
                "parameters": [{"name": "customerId", "in": "query", "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,128}$"}},
                  {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
                  {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 2147483647, "default": 0}}],
                "responses": {"200": {"$ref": "#/components/responses/Ok"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}}}},
            "/api/v1/balance/receipt/{customerId}": {"get": {"summary": "A scope's VERIFIED deltas (at most 10000, with at most 8 MiB of metadata together: counted before anything is loaded; more is 400 SCOPE_TOO_WIDE) with their proofRoot (v2, as POST /checkpoint computes it for the same scope): {customerId, scope, proofRoot, sealed, checkpointId, deltaCount, startingBalance, finalBalance, deltas, verificationApiUrl, verifyUrl, accessHint: null, customerLinkUrl: null, customerLinkHost: null}. Scope fields and rules as derive. sealed is true when a checkpoint of this exact scope exists and still has this proofRoot (then verifyUrl proves it publicly); otherwise the root is computed now and POST /checkpoint seals it.", "security": [{"apiKey": []}],
                "parameters": [{"name": "customerId", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,128}$"}}, {"name": "period", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$", "description": "YYYY-MM, not in the future."}}, {"name": "timePreset", "in": "query", "schema": {"type": "string", "enum": ["current_month", "custom"]}},
                  {"name": "startDate", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ].+)?$"}}, {"name": "endDate", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ].+)?$"}},
                  {"name": "startingCheckpoint", "in": "query", "schema": {"type": "string", "minLength": 1}}, {"name": "startingCheckpointType", "in": "query", "schema": {"type": "string", "enum": ["proofRoot", "recordId"]}}], "responses": {"200": {"$ref": "#/components/responses/Ok"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
            "/api/v1/balance/invoice-proof/{customerId}": {"get": {"summary": "The same answer as /receipt/{customerId} (the SDK's invoice_proof path).", "security": [{"apiKey": []}],
                "parameters": [{"name": "customerId", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,128}$"}}, {"name": "period", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$", "description": "YYYY-MM, not in the future."}}, {"name": "timePreset", "in": "query", "schema": {"type": "string", "enum": ["current_month", "custom"]}},
                  {"name": "startDate", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ].+)?$"}}, {"name": "endDate", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ].+)?$"}},
                  {"name": "startingCheckpoint", "in": "query", "schema": {"type": "string", "minLength": 1}}, {"name": "startingCheckpointType", "in": "query", "schema": {"type": "string", "enum": ["proofRoot", "recordId"]}}], "responses": {"200": {"$ref": "#/components/responses/Ok"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
            "/api/v1/balance/customers": {"get": {"summary": "The environment's customers, most recently active first: {customers: [{customerId, totalDeltas, verifiedDeltas, computedBalance, lastActivityAt}], total, page, limit}. search matches part of the customer id, ignoring case (% and _ literally).", "security": [{"apiKey": []}],
                "parameters": [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000000, "default": 1}}, {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
                  {"name": "search", "in": "query", "schema": {"type": "string", "maxLength": 128}}],
                "responses": {"200": {"$ref": "#/components/responses/Ok"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}}}},
            "/api/v1/balance/customers/{customerId}": {"get": {"summary": "One customer: {customerId, customerReference, totalDeltas, verifiedDeltas, computedBalance, lastActivityAt, latestCheckpoint, recentActivity: {items (newest first, any status), pagination: {page, limit, total, totalPages}}}; period (YYYY-MM) narrows recentActivity.", "security": [{"apiKey": []}],
                "parameters": [{"name": "customerId", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,128}$"}}, {"name": "deltaPage", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000000, "default": 1}},
                  {"name": "deltaLimit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}}, {"name": "period", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$", "description": "YYYY-MM, not in the future."}}],
                "responses": {"200": {"$ref": "#/components/responses/Ok"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
            "/api/v1/balance/gaps/{customerId}": {"get": {"summary": "The customer's sequence numbers in [fromSequence, toSequence] (default 1 to the last) that are missing or FAILED, as runs: {customerId, fromSequence, toSequence, gaps: [{from, to, reason: missing | FAILED}]}; at most limit runs and 100000 numbers per call.", "security": [{"apiKey": []}],
                "parameters": [{"name": "customerId", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,128}$"}}, {"name": "fromSequence", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647}}, {"name": "toSequence", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647}},
                  {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}],
                "responses": {"200": {"$ref": "#/components/responses/Ok"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
            "/api/v1/balance/usage": {"get": {"summary": "This UTC month's usage of the key's environment: {environment, period, verifiedDeltas (counted by the sequencer as it verifies), queuedDeltas (now), creditsAvailable, remaining, allowed}. In production (mainnet) creditsAvailable is the tenant's available credits, remaining how many more deltas they pay for and allowed whether one more may be written; the sandbox is free: null, null, true.", "security": [{"apiKey": []}],
                "responses": {"200": {"$ref": "#/components/responses/Ok"}, "401": {"$ref": "#/components/responses/Error"}}}},
            "/dashboard/webhooks": {
              "post": {"summary": "Registers a webhook endpoint (at most 16 per tenant; 409 CONFLICT beyond). data: {id: wh_…, url, events, allEvents, environment, description, active, disabledReason, failingSince, previousSecretValidUntil, createdAt, updatedAt, secret: whsec_…}; the secret is shown only here and at rotate-secret (the server keeps it sealed with the master key, since it must sign with it). events omitted or null = every event, including ones added later (allEvents true). environment testnet | mainnet, omitted = both. url: http or https, at most 2048 characters, no credentials or fragment; loopback, private, link-local and internal names (localhost, *.local, *.internal) are 400 VALIDATION_ERROR (problem private_address) unless listed in PACSPACE_WEBHOOK_ALLOWED_HOSTS, and every delivery checks again what the name resolves to then, connecting only to an address it checked (SSRF). Delivery: POST of the event body {id: evt_…, event, tenantId, environment, createdAt, data} with X-PacSpace-Signature: v1=<hex HMAC-SHA256 keyed with the secret string, of \"<timestamp>.<body>\">, two values comma separated (newest first) for 24 h after a rotation; X-PacSpace-Timestamp (unix seconds, at sending), X-Webhook-Event, X-Event-ID. Any 2xx within 10 s is success; redirects are not followed. Failures are retried with exponential backoff and jitter (30 s doubling to 6 h, each delay drawn from its upper half) until 3 days after the event, the last attempt at the end of that window (PACSPACE_WEBHOOK_BACKOFF_MS, PACSPACE_WEBHOOK_RETRY_WINDOW). An endpoint failing for the whole window is disabled (active false, disabledReason) and the tenant's owners and admins are mailed; its pending deliveries end failed. Delivery is at least once: deduplicate by X-Event-ID. Events are written in the transaction of the change they report (a durable outbox): delta.verified and checkpoint.verified by the sequencer's batch, environment.provisioned and environment.failed with the environment's state, credits.low by the production write whose reservation takes the available credits below PACSPACE_CREDITS_LOW_THRESHOLD (default 100). delta.failed is subscribable; no path in this server fails an accepted delta today. Viewers get 403.",
                "security": [{"bearer": []}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["url"],
                  "properties": {"url": {"type": "string", "format": "uri", "minLength": 1, "maxLength": 2048}, "events": {"type": ["array", "null"], "minItems": 1, "items": {"type": "string", "enum": ["delta.verified", "delta.failed", "checkpoint.verified", "environment.provisioned", "environment.failed", "credits.low"]}}, "description": {"type": ["string", "null"], "minLength": 1, "maxLength": 500, "pattern": "^[^\\u0000-\\u001f\\u007f]*[^\\s\\u0000-\\u001f\\u007f][^\\u0000-\\u001f\\u007f]*$"},
                    "environment": {"type": ["string", "null"], "enum": ["testnet", "mainnet", null]}}}}}},
                "responses": {"201": {"$ref": "#/components/responses/Ok"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}}},
              "get": {"summary": "The tenant's endpoints, newest first, without secrets: {items, total, page, limit}.", "security": [{"bearer": []}],
                "parameters": [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000000, "default": 1}}, {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}}],
                "responses": {"200": {"$ref": "#/components/responses/Ok"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}}}},
            "/dashboard/webhooks/{id}": {
              "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^wh_"}}],
              "get": {"summary": "One endpoint without its secret (404 for another tenant's or a deleted one).", "security": [{"bearer": []}],
                "responses": {"200": {"$ref": "#/components/responses/Ok"}, "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}},
              "patch": {"summary": "Changes url, events (null = every event), description (null clears), environment (null = both) or active. Enabling clears disabledReason and the failure streak.", "security": [{"bearer": []}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "minProperties": 1,
                  "properties": {"url": {"type": "string", "format": "uri", "minLength": 1, "maxLength": 2048}, "events": {"type": ["array", "null"], "minItems": 1, "items": {"type": "string", "enum": ["delta.verified", "delta.failed", "checkpoint.verified", "environment.provisioned", "environment.failed", "credits.low"]}}, "description": {"type": ["string", "null"], "minLength": 1, "maxLength": 500, "pattern": "^[^\\u0000-\\u001f\\u007f]*[^\\s\\u0000-\\u001f\\u007f][^\\u0000-\\u001f\\u007f]*$"},
                    "environment": {"type": ["string", "null"], "enum": ["testnet", "mainnet", null]}, "active": {"type": "boolean"}}}}}},
                "responses": {"200": {"$ref": "#/components/responses/Ok"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}},
              "delete": {"summary": "Deletes the endpoint; its pending deliveries end failed (the delivery log keeps them). 200 {id, deleted: true}.", "security": [{"bearer": []}],
                "responses": {"200": {"$ref": "#/components/responses/Ok"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
            "/dashboard/webhooks/{id}/rotate-secret": {
              "post": {"summary": "A new signing secret (shown once, in data.secret). The previous secret keeps signing alongside it for 24 h (previousSecretValidUntil): deliveries carry both signatures, newest first. The body may be omitted or {}.",
                "security": [{"bearer": []}], "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^wh_"}}],
                "responses": {"200": {"$ref": "#/components/responses/Ok"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
            "/dashboard/webhooks/{id}/test": {
              "post": {"summary": "Queues a webhook.test event for this endpoint only (whatever its event filter), in environment testnet unless the body names one or the endpoint has one: 202 {eventId, endpointId, event, environment, status: pending}. It is delivered like every event and appears in that environment's delivery log. 409 CONFLICT for a disabled endpoint; at most 10 test events per tenant per minute, then 429 RATE_LIMITED with Retry-After.",
                "security": [{"bearer": []}], "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^wh_"}}],
                "requestBody": {"required": false, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false,
                  "properties": {"environment": {"type": "string", "enum": ["testnet", "mainnet"]}}}}}},
                "responses": {"202": {"$ref": "#/components/responses/Ok"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}}}},
            "/api/v1/balance/webhooks": {"get": {"summary": "The delivery log of the key's environment, newest first: {deliveries: [{eventId, event, endpointId, url, state: pending | delivering | delivered | failed, status (the same in the Balance API vocabulary that the official SDK normalizes every status to: QUEUED | PROCESSING | VERIFIED = delivered | FAILED), attempts, lastStatusCode, lastError, lastLatencyMs, lastAttemptAt, nextAttemptAt, deliveredAt, createdAt, history: [{attempt, attemptedAt, statusCode, latencyMs, error}] (the latest 25)}], total, limit, offset}. One entry per event and endpoint.",
              "security": [{"apiKey": []}],
              "parameters": [{"name": "status", "in": "query", "description": "A state, or its status name (case-insensitive): pending = QUEUED, delivered = VERIFIED, failed = FAILED.", "schema": {"type": "string", "enum": ["pending", "delivered", "failed", "QUEUED", "VERIFIED", "FAILED", "queued", "verified"]}},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
                {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 1000000000, "default": 0}}],
              "responses": {"200": {"$ref": "#/components/responses/Ok"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}}}},
            "/api/v1/balance/webhooks/{eventId}/retry": {"post": {"summary": "Schedules a new attempt now for every delivery of the event to an active endpoint, delivered or not (same event id, same body): 202 {eventId, scheduled, deliveries}. 404 for an event of another environment or tenant; 409 CONFLICT when all its endpoints are disabled or deleted. A retry of a delivery past its 3-day window is one attempt.",
              "security": [{"apiKey": []}],
              "parameters": [{"name": "eventId", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^evt_"}}],
              "requestBody": {"required": false, "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false}}}},
              "responses": {"202": {"$ref": "#/components/responses/Ok"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}}}},
            "/dashboard/credit/balances": {"get": {"summary": "The tenant's credits: {creditBalance, availableBalance (= creditBalance − reserved, never negative), reserved}. Production (mainnet) deltas reserve their cost when accepted (PACSPACE_CREDITS_PER_DELTA, default 1) and settle it when verified; a production write the available credits cannot cover is 402 INSUFFICIENT_CREDITS and stores nothing. Sandbox is free. Credits come from the operator (pacspace credits grant) or a free grant at registration (PACSPACE_FREE_CREDITS, default 0).",
              "security": [{"bearer": []}], "responses": {"200": {"$ref": "#/components/responses/Ok"}, "401": {"$ref": "#/components/responses/Error"}}}},
            "/dashboard/credit/entries": {"get": {"summary": "The tenant's credit ledger, newest first: {items: [{id, type: grant | topup | reservation | settlement | release, amount, description, balanceAfter, createdAt}], total, page, limit}. Reservations do not change the balance (they change what is available); settlements are negative.",
              "security": [{"bearer": []}],
              "parameters": [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000000, "default": 1}}, {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}}],
              "responses": {"200": {"$ref": "#/components/responses/Ok"}, "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"}}}}
          }
        }
        """#
}
