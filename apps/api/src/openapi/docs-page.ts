/**
 * The browsable UI: Swagger UI from the `swagger-ui-dist` package, served by this api
 * (`api-docs.routes.ts`), reading `/api/v1/openapi.json`. No inline script, so the page runs
 * under a strict Content-Security-Policy; no validator badge, which would call out to the internet.
 */
export const DOCS_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Berth admin API</title>
    <link rel="stylesheet" href="/api/v1/docs/swagger-ui.css" />
    <link rel="icon" type="image/png" href="/api/v1/docs/favicon-32x32.png" sizes="32x32" />
    <link rel="icon" type="image/png" href="/api/v1/docs/favicon-16x16.png" sizes="16x16" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/api/v1/docs/swagger-ui-bundle.js"></script>
    <script src="/api/v1/docs/berth-docs.js"></script>
  </body>
</html>
`;

export const DOCS_SCRIPT = `window.ui = SwaggerUIBundle({
  url: '/api/v1/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  displayOperationId: true,
  defaultModelsExpandDepth: 0,
  tryItOutEnabled: false,
});
`;
