// Every request to the API goes through here; any failure becomes an ApiError with one sentence.
export class ApiError extends Error {
  constructor(message, status, field = null) {
    super(message);
    this.status = status;
    this.field = field;
  }
}

// "Invalid field 'amount': …" and "Unknown category_id 4: …" name the field; forms show the
// message next to it.
function fieldOf(detail) {
  const match = /^(?:Invalid field|The field) '([a-z_]+)'|^Unknown (category_id) /.exec(detail);
  return match ? match[1] || match[2] : null;
}

export async function request(path, { method = "GET", body } = {}) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError("The Expense Tracker API cannot be reached. Is the app still running?", 0);
  }
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const detail = data && typeof data.detail === "string" ? data.detail : `The API answered ${response.status}.`;
    throw new ApiError(detail, response.status, fieldOf(detail));
  }
  return { data, headers: response.headers };
}

export async function api(path, options) {
  return (await request(path, options)).data;
}

export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") search.set(key, value);
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}
