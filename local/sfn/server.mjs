// Local AWS Step Functions: the subset of the Step Functions API (AWS JSON 1.0) that multidb's code calls with the
// AWS SDK's SfnClient, answered by running the real ASL file with aws-local-stepfunctions. Task states that call
// Lambda are sent to the local runtime's JVM through Lambda's Invoke API shape.
//
//   node server.mjs [--port 0] [--host 127.0.0.1] [--region us-east-1] [--account 000000000000]
//                   [--state-machine name=path.asl.json]... [--subst Name=value]...
//                   [--lambda-endpoint http://127.0.0.1:PORT] [--retry-interval-ms N] [--exit-on-stdin-close]
//                   [--verbose]
//
// Prints "listening <port>" on stdout once it accepts requests; logs to stderr. Executions live in memory.
// Env fallbacks: SFN_PORT, SFN_LAMBDA_ENDPOINT.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

// ---------------------------------------------------------------------------------------------------------------
// aws-local-stepfunctions 3.0.0 differs from AWS in two ways that matter to an all-or-nothing workflow, so its
// module text is patched as it loads (pinned version; a changed text fails the start instead of running unpatched):
// 1. When a Map iteration fails, AWS starts no further iterations. The library keeps starting the items still
//    queued behind MaxConcurrency (p-limit), so a failed batch would not stop later batches from being applied
//    while the Catch path already rolls back. Patch: clear the queue when the Map (or Parallel) state fails.
// 2. After an abort (StopExecution, a failed sibling iteration) AWS schedules no new task. The library still runs
//    the first state of an iteration it starts late. Patch: hand the iteration's AbortSignal to the task override,
//    which then refuses to invoke the function.
const LIBRARY_PATCHES = [
  {
    why: 'stop queued Map/Parallel items once the state has failed',
    from: '    } catch (error) {\n      this.executionAbortFuncs.forEach((abort) => abort());',
    to: '    } catch (error) {\n      limit.clearQueue();\n      this.executionAbortFuncs.forEach((abort) => abort());',
    count: 2,
  },
  {
    why: 'pass the abort signal to task overrides',
    from: 'options.overrideFn(input)',
    to: 'options.overrideFn(input, options.abortSignal)',
    count: 1,
  },
  {
    why: 'pass the abort signal to task overrides',
    from: '{ overrideFn, awsConfig }',
    to: '{ overrideFn, awsConfig, abortSignal: options.abortSignal }',
    count: 1,
  },
];
const libraryUrl = import.meta.resolve('aws-local-stepfunctions');
registerHooks({
  load(url, context, nextLoad) {
    const loaded = nextLoad(url, context);
    if (url !== libraryUrl) return loaded;
    let source = String(loaded.source);
    for (const p of LIBRARY_PATCHES) {
      const found = source.split(p.from).length - 1;
      if (found !== p.count) {
        throw new Error(`aws-local-stepfunctions changed (${p.why}: expected ${p.count} match(es), found ${found}); ` +
          'update LIBRARY_PATCHES in local/sfn/server.mjs');
      }
      source = source.split(p.from).join(p.to);
    }
    return { ...loaded, source, shortCircuit: true };
  },
});
const { StateMachine, ExecutionAbortedError, ExecutionTimeoutError, ExecutionError } =
  await import('aws-local-stepfunctions');

// ---------------------------------------------------------------------------------------------------------------
// Options
function parseArgs(argv) {
  const opts = {
    port: Number(process.env.SFN_PORT ?? 0), host: '127.0.0.1', region: 'us-east-1', account: '000000000000',
    stateMachines: [], substitutions: {}, lambdaEndpoint: process.env.SFN_LAMBDA_ENDPOINT ?? '',
    retryIntervalMs: undefined, exitOnStdinClose: false, verbose: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    const pair = (v) => {
      const eq = v.indexOf('=');
      if (eq <= 0) throw new Error(`${a} takes name=value, got ${v}`);
      return [v.slice(0, eq), v.slice(eq + 1)];
    };
    switch (a) {
      case '--port': opts.port = Number(value()); break;
      case '--host': opts.host = value(); break;
      case '--region': opts.region = value(); break;
      case '--account': opts.account = value(); break;
      case '--state-machine': opts.stateMachines.push(pair(value())); break;
      case '--subst': { const [k, v] = pair(value()); opts.substitutions[k] = v; break; }
      case '--lambda-endpoint': opts.lambdaEndpoint = value(); break;
      case '--retry-interval-ms': opts.retryIntervalMs = Number(value()); break;
      case '--exit-on-stdin-close': opts.exitOnStdinClose = true; break;
      case '--verbose': opts.verbose = true; break;
      default: throw new Error(`unknown argument ${a}`);
    }
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) throw new Error(`bad port ${opts.port}`);
  opts.lambdaEndpoint = opts.lambdaEndpoint.replace(/\/+$/, '');
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const log = (...parts) => process.stderr.write(`[sfn-local] ${parts.join(' ')}\n`);
const debug = (...parts) => { if (opts.verbose) log(...parts); };

// Quotas of Standard workflows that the workflow's design must respect (see statemachines/): checked here too, so
// a design that would break them in AWS breaks locally.
const MAX_PAYLOAD_BYTES = 262144;
const MAX_HISTORY_EVENTS = 25000;

// ---------------------------------------------------------------------------------------------------------------
// Errors in the AWS JSON protocol shape: HTTP 400 {"__type": Code, "message": ...}
class ApiError extends Error {
  constructor(type, message, status = 400) {
    super(message);
    this.type = type;
    this.status = status;
  }
}

// An error raised inside a state, named like Step Functions names it; terminal ones cannot be retried or caught
// by States.ALL (aws-local-stepfunctions reads isRetryable/isCatchable).
function stateError(name, cause, { terminal = false } = {}) {
  const e = new Error(cause);
  e.name = name;
  if (terminal) {
    e.isRetryable = false;
    e.isCatchable = false;
  }
  return e;
}

// ---------------------------------------------------------------------------------------------------------------
// State machines
const stateMachines = new Map(); // arn -> { arn, name, definitionText, definition, machine, roleArn, created, tasks }

const NAME_RE = /^[^\s<>{}\[\]?*"#%\\^|~`$&,;:\/\u0000-\u001f\u007f-\u009f]{1,80}$/;
const stateMachineArn = (name) => `arn:aws:states:${opts.region}:${opts.account}:stateMachine:${name}`;
const executionArn = (smName, name) => `arn:aws:states:${opts.region}:${opts.account}:execution:${smName}:${name}`;

// Like CDK's definitionSubstitutions: ${Name} in the ASL text becomes the given value before the JSON is parsed.
function substitute(text) {
  const values = { MigrationTaskFunctionArn: defaultFunctionArn('MigrationTaskFunction'), ...opts.substitutions };
  const replaced = text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (m, key) => (key in values ? values[key] : m));
  const left = replaced.match(/\$\{[A-Za-z0-9_]+\}/);
  if (left) throw new ApiError('InvalidDefinition', `no substitution for ${left[0]}: pass --subst ${left[0].slice(2, -1)}=value`);
  return replaced;
}

function defaultFunctionArn(functionName) {
  return `arn:aws:lambda:${opts.region}:${opts.account}:function:${functionName}`;
}

// Every Task state, nested ones included (state names are unique across a whole state machine in AWS, which is
// what lets the library's per-state-name overrides reach tasks inside Map iterations).
function collectStates(definition, found = new Map()) {
  for (const [name, state] of Object.entries(definition.States ?? {})) {
    if (found.has(name)) throw new ApiError('InvalidDefinition', `state name "${name}" is used twice`);
    found.set(name, state);
    if (state.Type === 'Map') collectStates(state.ItemProcessor ?? state.Iterator ?? {}, found);
    if (state.Type === 'Parallel') for (const b of state.Branches ?? []) collectStates(b, found);
  }
  return found;
}

function registerStateMachine(name, rawText, roleArn) {
  if (!NAME_RE.test(name)) throw new ApiError('InvalidName', `invalid state machine name: ${name}`);
  const definitionText = substitute(rawText);
  let definition;
  try {
    definition = JSON.parse(definitionText);
  } catch (e) {
    throw new ApiError('InvalidDefinition', `definition is not JSON: ${e.message}`);
  }
  let machine;
  try {
    machine = new StateMachine(definition);
  } catch (e) {
    throw new ApiError('InvalidDefinition', e.message);
  }
  const states = collectStates(definition);
  const arn = stateMachineArn(name);
  const existing = stateMachines.get(arn);
  if (existing) {
    if (existing.definitionText === definitionText) return existing;
    throw new ApiError('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`);
  }
  const sm = {
    arn, name, definitionText, definition, machine, states,
    roleArn: roleArn ?? `arn:aws:iam::${opts.account}:role/local-stepfunctions`, created: Date.now(),
  };
  stateMachines.set(arn, sm);
  log(`state machine ${arn} (${states.size} states)`);
  return sm;
}

// ---------------------------------------------------------------------------------------------------------------
// Lambda, through the local runtime's Invoke endpoint
const LAMBDA_ARN_RE = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?$/;
const LAMBDA_INVOKE_RESOURCE_RE = /^arn:aws[a-z-]*:states:::lambda:invoke$/;

async function invokeFunction(functionRef, payload) {
  if (!opts.lambdaEndpoint) throw stateError('Lambda.SdkClientException', 'no --lambda-endpoint configured');
  const url = `${opts.lambdaEndpoint}/2015-03-31/functions/${encodeURIComponent(functionRef)}/invocations`;
  let response;
  let text;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-amz-invocation-type': 'RequestResponse' },
      body: JSON.stringify(payload ?? null),
    });
    text = await response.text();
  } catch (e) {
    throw stateError('Lambda.SdkClientException', `Unable to execute HTTP request: ${e.cause?.message ?? e.message}`);
  }
  if (response.status === 200 && response.headers.get('x-amz-function-error')) {
    // As in AWS: the error name is the function's errorType, the cause is the error payload's JSON text.
    let errorType;
    try {
      errorType = JSON.parse(text)?.errorType;
    } catch {
      errorType = undefined;
    }
    throw stateError(typeof errorType === 'string' && errorType ? errorType : 'Lambda.Unknown', text);
  }
  if (response.status === 200) {
    if (text === '') return null;
    try {
      return JSON.parse(text);
    } catch {
      throw stateError('Lambda.Unknown', `function returned non-JSON output: ${text.slice(0, 200)}`);
    }
  }
  const type = response.headers.get('x-amzn-errortype')?.split(':')[0];
  const name = type ? `Lambda.${type}` : response.status >= 500 ? 'Lambda.ServiceException' : 'Lambda.Unknown';
  throw stateError(name, text || `HTTP ${response.status}`);
}

function byteSize(value) {
  return Buffer.byteLength(JSON.stringify(value ?? null), 'utf8');
}

function checkPayload(value, what) {
  const size = byteSize(value);
  if (size > MAX_PAYLOAD_BYTES) {
    throw stateError('States.DataLimitExceeded',
      `${what} has ${size} bytes, more than the ${MAX_PAYLOAD_BYTES}-byte payload quota`, { terminal: true });
  }
}

// One override per Task state, bound to one execution (the record keeps its history).
function taskOverrides(sm, record) {
  const overrides = {};
  for (const [stateName, state] of sm.states) {
    if (state.Type !== 'Task') continue;
    overrides[stateName] = async (input, abortSignal) => {
      // Let the history catch up with the library's own events (they reach it through async iterators) so that
      // TaskStateEntered comes before LambdaFunctionScheduled; it also lets an abort that raced this start land.
      await new Promise((resolve) => setImmediate(resolve));
      if (abortSignal?.aborted || record.status !== 'RUNNING' || record.stopping) {
        throw stateError('States.Runtime', 'execution or iteration aborted: task not started', { terminal: true });
      }
      checkPayload(input, `the input of state "${stateName}"`);
      const resource = state.Resource;
      if (LAMBDA_ARN_RE.test(resource)) {
        appendEvent(record, 'LambdaFunctionScheduled', 'lambdaFunctionScheduledEventDetails', {
          resource, input: JSON.stringify(input), inputDetails: { truncated: false },
          ...(state.TimeoutSeconds ? { timeoutInSeconds: state.TimeoutSeconds } : {}),
        });
        appendEvent(record, 'LambdaFunctionStarted');
        let output;
        try {
          output = await invokeFunction(resource, input);
          checkPayload(output, `the output of state "${stateName}"`);
        } catch (e) {
          appendEvent(record, 'LambdaFunctionFailed', 'lambdaFunctionFailedEventDetails', { error: e.name, cause: e.message });
          debug(`${record.name}: ${stateName} failed: ${e.name}`);
          throw e;
        }
        appendEvent(record, 'LambdaFunctionSucceeded', 'lambdaFunctionSucceededEventDetails', {
          output: JSON.stringify(output), outputDetails: { truncated: false },
        });
        return output;
      }
      if (LAMBDA_INVOKE_RESOURCE_RE.test(resource)) {
        // The optimized integration: Parameters carry FunctionName and Payload; the result wraps the payload.
        const base = { resourceType: 'lambda', resource: 'invoke' };
        appendEvent(record, 'TaskScheduled', 'taskScheduledEventDetails', {
          ...base, region: opts.region, parameters: JSON.stringify(input),
          ...(state.TimeoutSeconds ? { timeoutInSeconds: state.TimeoutSeconds } : {}),
        });
        appendEvent(record, 'TaskStarted', 'taskStartedEventDetails', base);
        let result;
        try {
          if (typeof input?.FunctionName !== 'string') {
            throw stateError('States.Runtime', 'lambda:invoke needs Parameters.FunctionName', { terminal: true });
          }
          const payload = await invokeFunction(input.FunctionName, input.Payload ?? {});
          result = { ExecutedVersion: '$LATEST', Payload: payload, StatusCode: 200 };
          checkPayload(result, `the output of state "${stateName}"`);
        } catch (e) {
          appendEvent(record, 'TaskFailed', 'taskFailedEventDetails', { ...base, error: e.name, cause: e.message });
          throw e;
        }
        appendEvent(record, 'TaskSucceeded', 'taskSucceededEventDetails', {
          ...base, output: JSON.stringify(result), outputDetails: { truncated: false },
        });
        return result;
      }
      throw stateError('States.Runtime', `the local runtime runs only Lambda tasks, not ${resource}`, { terminal: true });
    };
  }
  return overrides;
}

function retryOverrides(sm) {
  if (opts.retryIntervalMs === undefined) return undefined;
  const overrides = {};
  for (const [stateName, state] of sm.states) if (state.Retry) overrides[stateName] = opts.retryIntervalMs;
  return overrides;
}

// ---------------------------------------------------------------------------------------------------------------
// Executions and their history
const executions = new Map(); // arn -> record
const executionOrder = []; // arns, oldest first

// Appends one history event; the last one a non-terminal event can take is 24,999 (AWS's quota), after which the
// execution fails.
function appendEvent(record, type, detailsKey, details, timestamp = Date.now()) {
  if (record.closed) return;
  const terminal = type.startsWith('Execution') && type !== 'ExecutionStarted';
  if (!terminal && record.events.length >= MAX_HISTORY_EVENTS - 1) {
    failFromOutside(record, 'States.Runtime',
      `The execution reached the maximum number of history events (${MAX_HISTORY_EVENTS}).`);
    return;
  }
  const previous = record.events.at(-1);
  const event = { timestamp, type, id: record.events.length + 1, previousEventId: previous ? previous.id : 0 };
  if (detailsKey) event[detailsKey] = details;
  record.events.push(event);
  if (terminal) record.closed = true;
}

// Ends a running execution with an error the workflow cannot handle (quota breaches).
function failFromOutside(record, error, cause) {
  if (record.pendingFailure || record.status !== 'RUNNING') return;
  record.pendingFailure = { error, cause };
  log(`${record.name}: ${error}: ${cause}`);
  record.handle?.abort();
}

const STATE_EVENT_PREFIX = { Task: 'Task', Pass: 'Pass', Choice: 'Choice', Wait: 'Wait', Succeed: 'Succeed', Fail: 'Fail', Map: 'Map', Parallel: 'Parallel' };

// Translates aws-local-stepfunctions' event log into AWS history event types.
function recordLibraryEvent(record, ev) {
  const ts = ev.timestamp ?? Date.now();
  const state = ev.state;
  switch (ev.type) {
    case 'StateEntered': {
      const prefix = STATE_EVENT_PREFIX[state.type] ?? state.type;
      appendEvent(record, `${prefix}StateEntered`, 'stateEnteredEventDetails', {
        name: state.name, input: JSON.stringify(state.input ?? null), inputDetails: { truncated: false },
      }, ts);
      if (state.type === 'Map') appendEvent(record, 'MapStateStarted', 'mapStateStartedEventDetails', {}, ts);
      if (state.type === 'Parallel') appendEvent(record, 'ParallelStateStarted', undefined, undefined, ts);
      break;
    }
    case 'StateExited': {
      try {
        checkPayload(state.output, `the output of state "${state.name}"`);
      } catch (e) {
        failFromOutside(record, e.name, e.message);
        return;
      }
      if (state.type === 'Map') appendEvent(record, 'MapStateSucceeded', undefined, undefined, ts);
      if (state.type === 'Parallel') appendEvent(record, 'ParallelStateSucceeded', undefined, undefined, ts);
      const prefix = STATE_EVENT_PREFIX[state.type] ?? state.type;
      appendEvent(record, `${prefix}StateExited`, 'stateExitedEventDetails', {
        name: state.name, output: JSON.stringify(state.output ?? null), outputDetails: { truncated: false },
      }, ts);
      break;
    }
    case 'StateFailed':
      if (state.type === 'Map') appendEvent(record, 'MapStateFailed', undefined, undefined, ts);
      else if (state.type === 'Parallel') appendEvent(record, 'ParallelStateFailed', undefined, undefined, ts);
      else if (state.type === 'Task' && ev.Error === 'States.Timeout') {
        appendEvent(record, 'LambdaFunctionTimedOut', 'lambdaFunctionTimedOutEventDetails', {
          error: 'States.Timeout', cause: String(ev.Cause ?? ''),
        }, ts);
      }
      break;
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
    case 'MapIterationFailed': {
      const key = ev.type.charAt(0).toLowerCase() + ev.type.slice(1) + 'EventDetails';
      appendEvent(record, ev.type, key, { name: ev.parentState?.name, index: ev.index }, ts);
      break;
    }
    default:
      // Execution* events are written when the result settles; StateRetried/StateCaught and parallel branch
      // events have no AWS history counterpart.
      break;
  }
}

async function consumeEvents(record, eventLogs) {
  try {
    for await (const ev of eventLogs) {
      debug(`${record.name}: ${ev.type}${ev.state ? ' ' + ev.state.name : ''}${ev.index !== undefined ? ' #' + ev.index : ''}`);
      recordLibraryEvent(record, ev);
    }
  } catch (e) {
    log(`${record.name}: event log failed: ${e.stack ?? e}`);
  }
}

function startExecution(sm, name, inputText) {
  let input;
  try {
    input = JSON.parse(inputText);
  } catch (e) {
    throw new ApiError('InvalidExecutionInput', `Invalid State Machine Execution Input: '${e.message}'`);
  }
  if (Buffer.byteLength(inputText, 'utf8') > MAX_PAYLOAD_BYTES) {
    throw new ApiError('InvalidExecutionInput', `input is larger than ${MAX_PAYLOAD_BYTES} bytes`);
  }
  const arn = executionArn(sm.name, name);
  const now = Date.now();
  const record = {
    arn, name, sm, inputText, status: 'RUNNING', startDate: now, stopDate: undefined, events: [], closed: false,
    output: undefined, error: undefined, cause: undefined, handle: undefined, pendingFailure: undefined, stopping: false,
  };
  executions.set(arn, record);
  executionOrder.push(arn);
  appendEvent(record, 'ExecutionStarted', 'executionStartedEventDetails', {
    input: inputText, inputDetails: { truncated: false }, roleArn: sm.roleArn,
  }, now);
  const context = {
    Execution: { Id: arn, Name: name, RoleArn: sm.roleArn, StartTime: new Date(now).toISOString(), RedriveCount: 0 },
    StateMachine: { Id: sm.arn, Name: sm.name },
  };
  const handle = sm.machine.run(input, {
    overrides: { taskResourceLocalHandlers: taskOverrides(sm, record), retryIntervalOverrides: retryOverrides(sm) },
    context,
  });
  record.handle = handle;
  record.eventsDone = consumeEvents(record, handle.eventLogs);
  handle.result.then(
    (output) => settle(record, { status: 'SUCCEEDED', output }),
    (err) => settle(record, outcomeOf(record, err)),
  );
  log(`${record.name}: started on ${sm.name}`);
  return record;
}

function outcomeOf(record, err) {
  if (record.pendingFailure) return { status: 'FAILED', ...record.pendingFailure };
  if (err instanceof ExecutionAbortedError) return { status: 'ABORTED' };
  if (err instanceof ExecutionTimeoutError) {
    return { status: 'TIMED_OUT', error: 'States.Timeout', cause: 'The execution timed out (TimeoutSeconds).' };
  }
  const cause = err instanceof ExecutionError ? err.cause : err;
  return {
    status: 'FAILED',
    error: cause?.name,
    cause: typeof cause?.cause === 'string' ? cause.cause : cause?.message,
  };
}

async function settle(record, outcome) {
  await record.eventsDone; // the library closes its event log on every ending: history is complete after this
  if (record.status !== 'RUNNING' || record.stopping) return; // StopExecution ends it, with its error and cause
  record.status = outcome.status;
  record.stopDate = Date.now();
  switch (outcome.status) {
    case 'SUCCEEDED':
      record.output = JSON.stringify(outcome.output ?? null);
      appendEvent(record, 'ExecutionSucceeded', 'executionSucceededEventDetails', {
        output: record.output, outputDetails: { truncated: false },
      });
      break;
    case 'FAILED':
      record.error = outcome.error;
      record.cause = outcome.cause;
      appendEvent(record, 'ExecutionFailed', 'executionFailedEventDetails', clean({ error: outcome.error, cause: outcome.cause }));
      break;
    case 'TIMED_OUT':
      record.error = outcome.error;
      record.cause = outcome.cause;
      appendEvent(record, 'ExecutionTimedOut', 'executionTimedOutEventDetails', { error: outcome.error, cause: outcome.cause });
      break;
    default:
      appendEvent(record, 'ExecutionAborted', 'executionAbortedEventDetails', {});
  }
  log(`${record.name}: ${record.status}${record.error ? ' ' + record.error : ''} after ${record.stopDate - record.startDate} ms, ${record.events.length} events`);
}

async function stopExecution(record, error, cause) {
  if (record.status !== 'RUNNING') return;
  record.stopping = true;
  record.handle.abort();
  await record.eventsDone;
  if (record.status !== 'RUNNING') return;
  record.status = 'ABORTED';
  record.stopDate = Date.now();
  record.error = error;
  record.cause = cause;
  appendEvent(record, 'ExecutionAborted', 'executionAbortedEventDetails', clean({ error, cause }));
  log(`${record.name}: ABORTED by StopExecution`);
}

function clean(obj) {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined && v !== null));
}

// ---------------------------------------------------------------------------------------------------------------
// API operations (AWS JSON 1.0; timestamps are epoch seconds)
const seconds = (ms) => (ms === undefined ? undefined : ms / 1000);
const EXECUTION_ARN_RE = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/;
const STATE_MACHINE_ARN_RE = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]+$/;

function requireString(body, field) {
  const v = body[field];
  if (typeof v !== 'string' || v === '') throw new ApiError('ValidationException', `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`);
  return v;
}

function findStateMachine(arn) {
  if (!STATE_MACHINE_ARN_RE.test(arn)) throw new ApiError('InvalidArn', `Invalid Arn: '${arn}'`);
  const sm = stateMachines.get(arn);
  if (!sm) throw new ApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
  return sm;
}

function findExecution(arn) {
  if (!EXECUTION_ARN_RE.test(arn)) throw new ApiError('InvalidArn', `Invalid Arn: '${arn}'`);
  const record = executions.get(arn);
  if (!record) throw new ApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
  return record;
}

function pageSize(body) {
  const max = body.maxResults ?? 0;
  if (!Number.isInteger(max) || max < 0 || max > 1000) throw new ApiError('ValidationException', 'maxResults must be 0..1000');
  return max === 0 ? 100 : max;
}

function encodeToken(payload) {
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

function decodeToken(token, expected) {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString());
    if (t.for !== expected || !Number.isInteger(t.offset) || t.offset < 0) throw new Error('mismatch');
    return t;
  } catch {
    throw new ApiError('InvalidToken', `Invalid Token: '${token}'`);
  }
}

function stripData(event) {
  const copy = { ...event };
  for (const [k, v] of Object.entries(copy)) {
    if (k.endsWith('EventDetails') && v && typeof v === 'object') {
      const { input, output, parameters, ...rest } = v;
      copy[k] = rest;
    }
  }
  return copy;
}

const operations = {
  CreateStateMachine(body) {
    const name = requireString(body, 'name');
    const sm = registerStateMachine(name, requireString(body, 'definition'), body.roleArn);
    return { stateMachineArn: sm.arn, creationDate: seconds(sm.created) };
  },
  DescribeStateMachine(body) {
    const sm = findStateMachine(requireString(body, 'stateMachineArn'));
    return {
      stateMachineArn: sm.arn, name: sm.name, status: 'ACTIVE', definition: sm.definitionText, roleArn: sm.roleArn,
      type: 'STANDARD', creationDate: seconds(sm.created),
    };
  },
  ListStateMachines() {
    return {
      stateMachines: [...stateMachines.values()].map((sm) => ({
        stateMachineArn: sm.arn, name: sm.name, type: 'STANDARD', creationDate: seconds(sm.created),
      })),
    };
  },
  StartExecution(body) {
    const sm = findStateMachine(requireString(body, 'stateMachineArn'));
    const name = body.name ?? randomUUID();
    if (typeof name !== 'string' || !NAME_RE.test(name)) throw new ApiError('InvalidName', `Invalid Name: '${name}'`);
    const inputText = body.input ?? '{}';
    if (typeof inputText !== 'string') throw new ApiError('InvalidExecutionInput', 'input must be a JSON text');
    const existing = executions.get(executionArn(sm.name, name));
    if (existing) {
      // AWS: the same name and input while the first is still open is idempotent; anything else is refused.
      if (existing.status === 'RUNNING' && existing.inputText === inputText) {
        return { executionArn: existing.arn, startDate: seconds(existing.startDate) };
      }
      throw new ApiError('ExecutionAlreadyExists', `Execution Already Exists: '${existing.arn}'`);
    }
    const record = startExecution(sm, name, inputText);
    return { executionArn: record.arn, startDate: seconds(record.startDate) };
  },
  DescribeExecution(body) {
    const r = findExecution(requireString(body, 'executionArn'));
    return clean({
      executionArn: r.arn, stateMachineArn: r.sm.arn, name: r.name, status: r.status,
      startDate: seconds(r.startDate), stopDate: seconds(r.stopDate),
      input: r.inputText, inputDetails: { included: true },
      output: r.output, outputDetails: r.output !== undefined ? { included: true } : undefined,
      error: r.error, cause: r.cause, redriveCount: 0,
    });
  },
  async StopExecution(body) {
    const r = findExecution(requireString(body, 'executionArn'));
    await stopExecution(r, body.error, body.cause);
    return { stopDate: seconds(r.stopDate ?? Date.now()) };
  },
  GetExecutionHistory(body) {
    const arn = requireString(body, 'executionArn');
    const r = findExecution(arn);
    const limit = pageSize(body);
    const reverse = body.reverseOrder === true;
    const includeData = body.includeExecutionData !== false;
    const key = `${arn}|${reverse}`;
    const offset = body.nextToken ? decodeToken(body.nextToken, key).offset : 0;
    const ordered = reverse ? [...r.events].reverse() : r.events;
    const page = ordered.slice(offset, offset + limit).map((e) => {
      const out = includeData ? { ...e } : stripData(e);
      out.timestamp = seconds(e.timestamp);
      return out;
    });
    const next = offset + limit < ordered.length ? encodeToken({ for: key, offset: offset + limit }) : undefined;
    return clean({ events: page, nextToken: next });
  },
  ListExecutions(body) {
    const smArn = requireString(body, 'stateMachineArn');
    findStateMachine(smArn);
    const limit = pageSize(body);
    const filter = body.statusFilter;
    const key = `${smArn}|${filter ?? ''}`;
    const offset = body.nextToken ? decodeToken(body.nextToken, key).offset : 0;
    const all = [...executionOrder].reverse().map((a) => executions.get(a))
      .filter((r) => r.sm.arn === smArn && (!filter || r.status === filter));
    const page = all.slice(offset, offset + limit).map((r) => clean({
      executionArn: r.arn, stateMachineArn: r.sm.arn, name: r.name, status: r.status,
      startDate: seconds(r.startDate), stopDate: seconds(r.stopDate),
    }));
    const next = offset + limit < all.length ? encodeToken({ for: key, offset: offset + limit }) : undefined;
    return clean({ executions: page, nextToken: next });
  },
};

// ---------------------------------------------------------------------------------------------------------------
// HTTP
function reply(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(text);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    let op = '?';
    try {
      if (req.method !== 'POST') throw new ApiError('UnknownOperationException', `${req.method} is not supported`, 404);
      const target = req.headers['x-amz-target'] ?? '';
      const dot = target.indexOf('.');
      if (target.slice(0, dot) !== 'AWSStepFunctions') throw new ApiError('UnknownOperationException', `unknown target ${target}`);
      op = target.slice(dot + 1);
      const handler = Object.hasOwn(operations, op) ? operations[op] : undefined;
      if (!handler) throw new ApiError('UnknownOperationException', `operation ${op} is not supported by the local Step Functions`);
      let body;
      try {
        const text = Buffer.concat(chunks).toString('utf8');
        body = text === '' ? {} : JSON.parse(text);
      } catch (e) {
        throw new ApiError('SerializationException', `request body is not JSON: ${e.message}`);
      }
      if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ApiError('SerializationException', 'request body must be a JSON object');
      reply(res, 200, await handler(body));
    } catch (e) {
      if (e instanceof ApiError) {
        debug(`${op}: ${e.type}: ${e.message}`);
        reply(res, e.status, { __type: e.type, message: e.message });
      } else {
        log(`${op}: internal error: ${e.stack ?? e}`);
        reply(res, 500, { __type: 'InternalFailure', message: String(e.message ?? e) });
      }
    }
  });
});
server.keepAliveTimeout = 60000;

for (const [name, path] of opts.stateMachines) {
  try {
    registerStateMachine(name, readFileSync(path, 'utf8'));
  } catch (e) {
    log(`cannot load state machine ${name} from ${path}: ${e.type ?? ''} ${e.message}`);
    process.exit(2);
  }
}

if (opts.exitOnStdinClose) {
  // The parent JVM holds our stdin: when it goes away, however it died, so do we (no orphans).
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
process.on('unhandledRejection', (e) => log(`unhandled rejection: ${e?.stack ?? e}`));

server.listen(opts.port, opts.host, () => {
  const { port } = server.address();
  log(`Step Functions on http://${opts.host}:${port}, Lambda at ${opts.lambdaEndpoint || '(none)'}`);
  process.stdout.write(`listening ${port}\n`);
});
