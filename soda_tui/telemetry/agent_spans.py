"""The span of one agent run (OpenInference AGENT), with TOOL and LLM child spans (API only).

A tool call has no end event of its own: its span ends when the agent reports its next tool
call, prose, token count or the end of the run. Token totals become one LLM child span.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from opentelemetry import trace
from opentelemetry.trace import Span

from soda_tui.agents.events import (
    AgentEvent,
    AgentText,
    RunEnded,
    RunResult,
    RunStarted,
    TokenUsage,
    ToolCall,
    UsageLimit,
)
from soda_tui.telemetry import conventions as sc
from soda_tui.telemetry.spans import annotate, clean, fail, record_error, tracer

if TYPE_CHECKING:
    from soda_tui.agents.runner import AgentRunner

EventSink = Callable[[AgentEvent], None]
# The model vendor behind a preset, for OpenInference's `llm.system` (unknown presets get none).
SYSTEMS = {"claude-code": "anthropic", "codex": "openai"}


class AgentRunTrace:
    """Turns one run's events into child spans of its AGENT span and describes how it ended."""

    def __init__(self, span: Span, *, preset: str, model: str | None, started_ns: int) -> None:
        self.span = span
        self.preset = preset
        self.model = model
        self.started_ns = started_ns
        self.usage: TokenUsage | None = None
        self._tool: Span | None = None

    async def run(self, runner: AgentRunner) -> RunResult:
        """Run the agent under this span, describe how it ended, and end the span."""
        with trace.use_span(
            self.span, end_on_exit=True, record_exception=False, set_status_on_exception=False
        ):
            try:
                result = await runner.run()
            except BaseException as error:
                record_error(self.span, error)
                raise
            finally:
                self.end_tool()
            self.finish(result)
            return result

    def observe(self, sink: EventSink | None) -> EventSink:
        """An event callback that traces each event, then hands it on to `sink`."""

        def forward(event: AgentEvent) -> None:
            self.see(event)
            if sink is not None:
                sink(event)

        return forward

    def see(self, event: AgentEvent) -> None:
        """Trace one event of the run."""
        if isinstance(event, RunStarted):
            self.span.set_attribute(sc.PROCESS_PID, event.pid)
        elif isinstance(event, ToolCall):
            self.end_tool()
            context = trace.set_span_in_context(self.span)
            attributes = {
                sc.OPENINFERENCE_KIND: sc.KIND_TOOL,
                sc.TOOL_NAME: event.name,
                sc.GEN_AI_TOOL_NAME: event.name,
                sc.TOOL_SUMMARY: event.summary,
                sc.INPUT_VALUE: event.summary,
            }
            self._tool = tracer().start_span(
                f"tool {clean(event.name)}",
                context=context,
                attributes={key: clean(value) for key, value in attributes.items() if value},
            )
        elif isinstance(event, TokenUsage):
            self.end_tool()
            self.usage = event
        elif isinstance(event, AgentText | RunEnded):
            self.end_tool()
        elif isinstance(event, UsageLimit):
            reset = event.reset_at.isoformat() if event.reset_at else None
            self.span.add_event(
                "usage limit",
                {
                    k: clean(v)
                    for k, v in {"message": event.message, "reset_at": reset}.items()
                    if v
                },
            )

    def finish(self, result: RunResult) -> None:
        """Describe how the run ended; a run that did not succeed is an error span."""
        self.end_tool()
        usage = result.usage or self.usage
        annotate(
            self.span,
            {
                sc.AGENT_OUTCOME: result.outcome,
                sc.PROCESS_EXIT_CODE: result.exit_code,
                sc.AGENT_DURATION: round(result.duration_s, 3),
                sc.AGENT_TOOL_CALLS: result.tool_calls,
                sc.OUTPUT_VALUE: f"{result.outcome}: {result.reason}",
                **(token_attributes(usage) if usage is not None else {}),
            },
        )
        if usage is not None:
            self._usage_span(usage)
        if result.outcome != "succeeded":
            fail(self.span, f"{result.outcome}: {result.reason}", result.outcome)

    def _usage_span(self, usage: TokenUsage) -> None:
        attributes: dict[str, object | None] = {
            sc.OPENINFERENCE_KIND: sc.KIND_LLM,
            sc.LLM_SYSTEM: SYSTEMS.get(self.preset),
            sc.LLM_MODEL_NAME: self.model,
            sc.GEN_AI_REQUEST_MODEL: self.model,
            **token_attributes(usage),
        }
        span = tracer().start_span(
            f"llm {self.model or self.preset}",
            context=trace.set_span_in_context(self.span),
            attributes={
                key: clean(value) for key, value in attributes.items() if value is not None
            },
            start_time=self.started_ns,
        )
        span.end()

    def end_tool(self) -> None:
        """End the open tool-call span, if any."""
        if self._tool is not None:
            self._tool.end()
            self._tool = None


def token_attributes(usage: TokenUsage) -> dict[str, object | None]:
    """Token counts and cost under both the OpenInference and the GenAI names."""
    prompt = usage.input_tokens + usage.cache_read + usage.cache_write
    return {
        sc.LLM_PROMPT_TOKENS: prompt,
        sc.LLM_COMPLETION_TOKENS: usage.output_tokens,
        sc.LLM_TOTAL_TOKENS: prompt + usage.output_tokens,
        sc.LLM_CACHE_READ_TOKENS: usage.cache_read or None,
        sc.LLM_CACHE_WRITE_TOKENS: usage.cache_write or None,
        sc.GEN_AI_INPUT_TOKENS: prompt,
        sc.GEN_AI_OUTPUT_TOKENS: usage.output_tokens,
        sc.LLM_COST_TOTAL: usage.cost_usd,
        sc.AGENT_COST: usage.cost_usd,
    }


def begin_agent_run(
    *,
    repo: str,
    issue: int,
    title: str,
    branch: str,
    preset: str,
    model: str | None = None,
) -> AgentRunTrace:
    """Start the AGENT span of one run (as a child of the current span); `run` it next."""
    attributes = {
        sc.OPENINFERENCE_KIND: sc.KIND_AGENT,
        sc.GEN_AI_OPERATION: "invoke_agent",
        sc.GEN_AI_AGENT_NAME: preset,
        sc.GEN_AI_REQUEST_MODEL: model,
        sc.AGENT_PRESET: preset,
        sc.REPO: repo,
        sc.ISSUE: issue,
        sc.BRANCH: branch,
        sc.INPUT_VALUE: f"#{issue} {title}",
    }
    started_ns = time.time_ns()
    span = tracer().start_span(
        sc.AGENT_SPAN,
        attributes={key: clean(value) for key, value in attributes.items() if value is not None},
        start_time=started_ns,
        record_exception=False,
        set_status_on_exception=False,
    )
    return AgentRunTrace(span, preset=preset, model=model, started_ns=started_ns)
