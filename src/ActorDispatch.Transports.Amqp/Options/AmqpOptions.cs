using System.Collections.Immutable;

namespace ActorDispatch.Transports.Amqp.Options;

/// <summary>
/// An <c>amqp</c> subscription's options, parsed and checked once (<see cref="AmqpOptionsParser"/>)
/// and kept per subscription definition, so that publishing never re-reads JSON.
/// </summary>
internal sealed record AmqpOptions
{
    /// <summary>The exchange published to; "" is the default exchange (routing key = queue name).</summary>
    public string Exchange { get; init; } = "";

    /// <summary>The routing key of each message, filled in from the event.</summary>
    public EventTemplate RoutingKey { get; init; } = RoutingKeyTemplate.Default;

    /// <summary>A message no queue takes is returned by the broker, and the delivery fails.</summary>
    public bool Mandatory { get; init; } = true;

    /// <summary>Delivery mode 2 (persistent) rather than 1.</summary>
    public bool Persistent { get; init; } = true;

    /// <summary>Static message headers, in the order given.</summary>
    public ImmutableArray<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>The body is the data payload rather than the delivery JSON.</summary>
    public bool WithData { get; init; } = true;
}
