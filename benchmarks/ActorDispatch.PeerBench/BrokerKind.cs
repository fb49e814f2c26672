namespace ActorDispatch.PeerBench;

/// <summary>The brokers the harness drives, each with the official .NET client.</summary>
internal enum BrokerKind
{
    Nats,
    Redis,
    RabbitMq,
}
