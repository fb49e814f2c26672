using System.Diagnostics;

namespace ActorDispatch.Diagnostics;

/// <summary>
/// The engine's <see cref="ActivitySource"/>: add <see cref="SourceName"/> to a tracing pipeline
/// (OpenTelemetry's <c>AddSource("ActorDispatch")</c>) to record a span per append and per delivery.
/// Without a listener no span is made, and deliveries still carry the append's trace context.
/// </summary>
public static class ActorDispatchTracing
{
    public const string SourceName = "ActorDispatch";

    /// <summary>Longest <c>tracestate</c> kept with an event: W3C's limit; a longer one is dropped, not cut.</summary>
    internal const int MaxTraceStateLength = 512;

    internal static readonly ActivitySource Source = new(SourceName, typeof(ActorDispatchTracing).Assembly.GetName().Version?.ToString());
}
