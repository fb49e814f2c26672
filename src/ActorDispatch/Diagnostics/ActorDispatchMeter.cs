namespace ActorDispatch.Diagnostics;

/// <summary>
/// The name of the engine's <see cref="System.Diagnostics.Metrics.Meter"/>: add it to a metrics
/// pipeline (OpenTelemetry's <c>AddMeter("ActorDispatch")</c>, <c>dotnet-counters</c>) to collect
/// appends, deliveries, responses, redeliveries, subscription lag and connections.
/// </summary>
public static class ActorDispatchMeter
{
    public const string Name = "ActorDispatch";
}
