using System.Text.Json;
using ActorDispatch.Model;
using ActorDispatch.Subscriptions;
using BenchmarkDotNet.Attributes;

namespace ActorDispatch.Benchmarks.Micro;

/// <summary>Filter matching, run by every dispatcher for every event it reads, and compiling a filter.</summary>
public class EventFilterBenchmarks
{
    public enum FilterShape
    {
        /// <summary>No patterns: what most subscriptions use.</summary>
        None,
        EventType,
        /// <summary>Type, topic, tag and author patterns, all of which must match.</summary>
        AllFields,
    }

    private SubscriptionFilter _definition = SubscriptionFilter.Empty;
    private EventFilter _filter = null!;
    private Event _matching = null!;
    private Event _other = null!;

    [Params(FilterShape.None, FilterShape.EventType, FilterShape.AllFields)]
    public FilterShape Shape { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _definition = Shape switch
        {
            FilterShape.None => SubscriptionFilter.Empty,
            FilterShape.EventType => new SubscriptionFilter { Events = "^order_(created|updated)$" },
            _ => new SubscriptionFilter { Events = "^order_(created|updated)$", Topic = "^orders$", Tag = "eu-", Author = "^alice|bob$" },
        };
        _filter = EventFilter.Create(_definition);
        _matching = SampleEvents.Order(42, JsonSerializer.SerializeToElement(new { n = 42 })) with { Tag = "eu-west", Author = "alice" };
        _other = _matching with { Type = "invoice_created" };
    }

    [Benchmark(Baseline = true)]
    public bool MatchingEvent() => _filter.Matches(_matching);

    /// <summary>Fails on the first pattern; with no patterns it still matches.</summary>
    [Benchmark]
    public bool OtherEvent() => _filter.Matches(_other);

    /// <summary>What each dispatcher start and each ephemeral subscription pays.</summary>
    [Benchmark]
    public object Create() => EventFilter.Create(_definition);
}
