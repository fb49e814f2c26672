using ActorDispatch.Model;

namespace ActorDispatch.Subscriptions;

/// <summary>New subscription definitions, durable or ephemeral, with firstEvent resolved against the log's head.</summary>
internal static class SubscriptionDefinitions
{
    public static Subscription New(Guid id, string ns, string name, string transport, SubscriptionFilter filter,
        SubscriptionOptions options, bool ephemeral, long head)
    {
        var now = UtcTimestampJsonConverter.Now();
        return new Subscription
        {
            Id = id,
            Namespace = ns,
            Name = name,
            Transport = transport,
            Filter = filter,
            Options = options with { FirstEvent = FirstEvent.Resolve(options.FirstEvent, head) },
            Ephemeral = ephemeral,
            Created = now,
            Updated = now,
        };
    }
}
