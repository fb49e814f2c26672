namespace ActorDispatch.Diagnostics;

/// <summary>
/// Label names and fixed label values. Tags are built once (per namespace, per subscription, or
/// here) so that recording a measurement on the hot path allocates nothing.
/// </summary>
internal static class MetricTags
{
    public const string Namespace = "namespace";
    public const string Subscription = "subscription";
    public const string Transport = "transport";
    public const string Outcome = "outcome";
    public const string Status = "status";

    /// <summary>
    /// The subscription label of every ephemeral subscription: their ids are random and unbounded,
    /// so they share one series per namespace and transport.
    /// </summary>
    public const string EphemeralSubscription = "<ephemeral>";

    public static readonly KeyValuePair<string, object?> Ack = new(Outcome, "ack");
    public static readonly KeyValuePair<string, object?> Reject = new(Outcome, "reject");
    public static readonly KeyValuePair<string, object?> Timeout = new(Outcome, "timeout");

    /// <summary>The transport failed to hand the delivery over (not an answer of the receiver).</summary>
    public static readonly KeyValuePair<string, object?> Error = new(Outcome, "error");

    public static KeyValuePair<string, object?> Of(string name, string value) => new(name, value);
}
