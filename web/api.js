// Every request to the API goes through here; any failure becomes an ApiError with one sentence.
export class ApiError extends Error {
  constructor(message, status, field = null) {
    super(message);
    this.status = status;
    this.field = field;
  }
}

const UNREACHABLE = "The Expense Tracker API cannot be reached. Is the app still running?";

// "Invalid field 'amount': …" and "Unknown category_id 4: …" name the field; forms show the
// message next to it.
function fieldOf(detail) {
  const match = /^(?:Invalid field|The field) '([a-z_]+)(?:\.\d+)?'|^Unknown (category_id) /.exec(detail);
  return match ? match[1] || match[2] : null;
}

function errorOf(status, data) {
  const detail = data && typeof data.detail === "string" ? data.detail : `The API answered ${status}.`;
  return new ApiError(detail, status, fieldOf(detail));
}

// A JSON body is sent as JSON; FormData (a file upload) as multipart, as the browser encodes it.
async function send(path, { method = "GET", body, headers = {}, signal } = {}) {
  const json = body !== undefined && !(body instanceof FormData);
  try {
    return await fetch(path, {
      method,
      signal,
      headers: json ? { ...headers, "Content-Type": "application/json" } : headers,
      body: json ? JSON.stringify(body) : body,
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(UNREACHABLE, 0);
  }
}

export async function request(path, options) {
  const response = await send(path, options);
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) throw errorOf(response.status, data);
  return { data, headers: response.headers };
}

export async function api(path, options) {
  return (await request(path, options)).data;
}

// A streamed answer of JSON lines (application/x-ndjson): onLine(object) for each line as it
// arrives; returns the last one.
export async function stream(path, options, onLine) {
  const response = await send(path, { ...options, headers: { Accept: "application/x-ndjson" } });
  if (!response.ok) throw errorOf(response.status, await response.json().catch(() => null));
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let last = null;
  const take = (line) => {
    if (!line.trim()) return;
    last = JSON.parse(line);
    onLine(last);
  };
  for (;;) {
    let chunk;
    try {
      chunk = await reader.read();
    } catch {
      throw new ApiError("The connection to the API broke off before the answer was complete.", 0);
    }
    if (chunk.done) break;
    buffer += chunk.value;
    const lines = buffer.split("\n");
    buffer = lines.pop();
    lines.forEach(take);
  }
  take(buffer);
  return last;
}

export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (Array.isArray(value)) for (const item of value) search.append(key, item); // repeated: ?tag=a&tag=b
    else if (value !== null && value !== undefined && value !== "") search.set(key, value);
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}
