using System.Diagnostics;
using ActorDispatch.Model;

namespace ActorDispatch.Diagnostics;

/// <summary>W3C trace context for events: what an append stores and what a delivery carries.</summary>
public static class EventTrace
{
    /// <summary>
    /// A valid <c>traceparent</c> for an event stored without one: the trace id is the event id
    /// (16 random bytes, never zero) and the parent id comes from the sequence, so every delivery of
    /// the event, on any node and after any restart, carries the same trace.
    /// </summary>
    public static string Derive(Event e)
    {
        var spanId = (ulong)e.Sequence ^ 0x9E3779B97F4A7C15UL;
        if (spanId == 0) spanId = 1;
        return string.Create(55, (e.Id, spanId), static (chars, state) =>
        {
            "00-".CopyTo(chars);
            state.Id.TryFormat(chars[3..35], out _, "N");
            chars[35] = '-';
            state.spanId.TryFormat(chars[36..52], out _, "x16");
            "-01".CopyTo(chars[52..]);
        });
    }

    /// <summary>The <c>traceparent</c> of the append <paramref name="e"/> came in: the one stored with it, else <see cref="Derive"/>'s.</summary>
    internal static string Of(Event e) => e.TraceParent ?? Derive(e);

    /// <summary>The trace context of a <c>traceparent</c> (and <c>tracestate</c>), or false when it is not valid W3C.</summary>
    public static bool TryParse(string? traceParent, string? traceState, out ActivityContext context)
    {
        context = default;
        return traceParent is not null && ActivityContext.TryParse(traceParent, traceState, isRemote: true, out context);
    }
}
