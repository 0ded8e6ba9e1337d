// The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json (a stable path clients can
// generate code from). Kept beside the handlers it describes; test/unit/interop/api.test.ts checks that
// every route under src/routes/api/v1 is in it.
const filterParams = [
  { name: 'from', in: 'query', schema: { type: 'string', format: 'date' }, description: 'First day (JST), YYYY-MM-DD' },
  { name: 'to', in: 'query', schema: { type: 'string', format: 'date' }, description: 'Last day (JST); default the latest complete day with data' },
  { name: 'ministry', in: 'query', schema: { type: 'string' }, description: 'Ministry code; a CAIO token may only name its own (else 403)' },
  { name: 'app', in: 'query', schema: { type: 'string' } },
  { name: 'model', in: 'query', schema: { type: 'string' } },
];
const errors = {
  '400': { description: 'Malformed filter', content: { 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } } },
  '401': { description: 'Missing, unknown, expired or revoked token', content: { 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } } },
  '403': { description: "The token's role or ministry may not read this", content: { 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } } },
  '429': { description: 'Rate limit (API_RATE_LIMIT_PER_MINUTE); see Retry-After', content: { 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } } },
};

export const OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'Oversight read API',
    version: '1.0.0',
    description:
      "The dashboard's aggregates, evaluator verdicts (as OpenTelemetry gen_ai.evaluation.result events) and incidents, " +
      'with the same role and ministry scoping as the pages. Every call is written to the audit log.',
  },
  servers: [{ url: '/' }],
  security: [{ bearer: [] }],
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API token issued by an administrator (ovt_…)' } },
    schemas: {
      Problem: { type: 'object', required: ['error', 'status'], properties: { error: { type: 'string' }, status: { type: 'integer' } } },
      EvaluationResult: {
        type: 'object',
        required: ['name', 'time', 'attributes'],
        properties: {
          name: { const: 'gen_ai.evaluation.result' },
          time: { type: 'string' },
          trace_id: { type: 'string', description: 'When the output came in as an OTLP span' },
          span_id: { type: 'string' },
          attributes: {
            type: 'object',
            properties: {
              'gen_ai.evaluation.name': { type: 'string', examples: ['oversight.citations'] },
              'gen_ai.evaluation.score.label': { type: 'string', examples: ['hallucinated_citation'] },
              'gen_ai.evaluation.score.value': { type: 'number', description: 'Evaluator confidence 0..1' },
              'gen_ai.evaluation.explanation': { type: 'string' },
              'gen_ai.response.id': { type: 'string' },
              'oversight.output_id': { type: 'string' },
              'oversight.rule_id': { type: 'string' },
              'oversight.severity': { type: 'string', enum: ['info', 'low', 'medium', 'high', 'critical'] },
            },
          },
        },
      },
      IssuedToken: {
        type: 'object',
        properties: { token: { type: 'string' }, token_id: { type: 'string' }, role: { type: 'string' }, ministry: { type: 'string' }, expires_at: { type: 'string' } },
      },
    },
  },
  paths: {
    '/api/v1/overview': {
      get: { summary: 'Overview figures: active users, requests by app and model, accuracy, risk (every role)', parameters: filterParams, responses: { '200': { description: 'Figures of the filtered view' }, ...errors } },
    },
    '/api/v1/flags': {
      get: {
        summary: 'Evaluator verdicts as gen_ai.evaluation.result events (admin, reviewer, caio)',
        parameters: [...filterParams, { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 5000, default: 500 } }],
        responses: {
          '200': {
            description: 'Newest first',
            content: { 'application/json': { schema: { type: 'object', properties: { count: { type: 'integer' }, events: { type: 'array', items: { $ref: '#/components/schemas/EvaluationResult' } } } } } },
          },
          ...errors,
        },
      },
    },
    '/api/v1/incidents': {
      get: {
        summary: 'The incident queue (admin, reviewer, caio)',
        parameters: ['status', 'category', 'severity', 'ministry', 'model', 'age', 'assignee', 'sort', 'dir', 'page', 'per'].map((name) => ({ name, in: 'query', schema: { type: 'string' } })),
        responses: { '200': { description: 'One page of incidents and its position' }, ...errors },
      },
    },
    '/api/v1/tokens': {
      get: { summary: 'List API tokens (admin)', responses: { '200': { description: 'Tokens without secrets' }, ...errors } },
      post: {
        summary: 'Issue an API token (admin)',
        requestBody: {
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['name', 'role'],
                properties: { name: { type: 'string' }, role: { enum: ['admin', 'reviewer', 'leadership', 'caio'] }, ministry: { type: 'string' }, days: { type: 'integer', minimum: 1, maximum: 730 } },
              },
            },
          },
        },
        responses: { '201': { description: 'The token; its secret is shown only here', content: { 'application/json': { schema: { $ref: '#/components/schemas/IssuedToken' } } } }, ...errors },
      },
    },
    '/api/v1/tokens/{id}': {
      delete: { summary: 'Revoke an API token (admin)', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': { description: 'Revoked' }, '404': { description: 'No such token' }, ...errors } },
    },
    '/api/v1/openapi.json': { get: { summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3.1' } } } },
  },
} as const;
