// The server side of OpenAI's chat completions protocol, as OpenAI, Ollama,
// vLLM and llama.cpp speak it, for the local test server: `POST
// /v1/chat/completions` with a bearer key, one completion per request.
import type { ServerResponse } from "node:http";
import { json, type Handler, type ReceivedRequest } from "./http-server.js";

export interface ChatRequest {
  model: string;
  messages: { role: string; content: string }[];
  max_tokens?: number;
  temperature?: number;
}

export interface ChatServerOptions {
  /** When set, requests without `Authorization: Bearer <apiKey>` get a 401. */
  apiKey?: string;
  /** The assistant's answer to a request. */
  reply: (request: ChatRequest) => string;
}

/** The body of a completed chat completion whose answer is `content`. */
export function chatCompletion(content: string | null, finishReason = "stop"): object {
  return {
    id: "chatcmpl-1",
    object: "chat.completion",
    created: 1_764_000_000,
    model: "llama3.2",
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: finishReason }],
    usage: { prompt_tokens: 12, completion_tokens: 1, total_tokens: 13 },
  };
}

export function chatCompletions({ apiKey, reply }: ChatServerOptions): Handler {
  return (request: ReceivedRequest, response: ServerResponse) => {
    if (request.method !== "POST" || request.url !== "/v1/chat/completions") {
      response.writeHead(404, { "content-type": "text/plain" }).end("404 page not found");
      return;
    }
    if (apiKey !== undefined && request.headers.authorization !== `Bearer ${apiKey}`) {
      json(response, 401, { error: { message: "Incorrect API key provided.", type: "invalid_request_error", code: "invalid_api_key" } });
      return;
    }
    json(response, 200, chatCompletion(reply(JSON.parse(request.body) as ChatRequest)));
  };
}
