using ActorDispatch.Model;

namespace ActorDispatch.Transports.WebSockets.Internal;

/// <summary>How a client names a subscription in an ack: by <c>id</c>, or by <c>namespace</c> and <c>name</c>.</summary>
internal static class SubscriptionRefs
{
    /// <summary>
    /// Whether the client's <paramref name="named"/> reference means <paramref name="actual"/>: the id
    /// when given, otherwise the name (and the namespace when given).
    /// </summary>
    public static bool Refers(SubscriptionRef named, SubscriptionRef actual) => named switch
    {
        { Id: { } id } => actual.Id == id,
        { Name: { } name } => actual.Name == name && (named.Namespace is null || named.Namespace == actual.Namespace),
        _ => true,
    };
}
