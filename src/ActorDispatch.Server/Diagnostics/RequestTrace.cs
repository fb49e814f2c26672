using System.Diagnostics;
using ActorDispatch.Diagnostics;

namespace ActorDispatch.Server.Diagnostics;

/// <summary>
/// Makes an append request's W3C trace context the current one when ASP.NET Core made no activity
/// for the request (it makes one only when something listens or logs it), so that the events are
/// stored with the caller's trace whatever the server's logging and tracing settings.
/// </summary>
internal static class RequestTrace
{
    private const string ActivityName = "ActorDispatch.Server.Request";

    /// <summary>An activity to dispose after the append, or null when there is one already or the request has no valid trace context.</summary>
    public static Activity? Adopt(HttpRequest request)
    {
        if (Activity.Current is not null) return null;
        var traceParent = request.Headers.TraceParent;
        if (traceParent.Count != 1) return null;
        var traceState = request.Headers.TraceState;
        if (!EventTrace.TryParse(traceParent[0], traceState.Count == 1 ? traceState[0] : null, out var context)) return null;
        var activity = new Activity(ActivityName);
        activity.SetParentId(context.TraceId, context.SpanId, context.TraceFlags);
        activity.TraceStateString = context.TraceState;
        return activity.Start();
    }
}
