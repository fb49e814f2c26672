using ActorDispatch.Log;
using ActorDispatch.Model;
using ActorDispatch.Subscriptions;
using ActorDispatch.Transports;
using Akka.Configuration;

namespace ActorDispatch.Tests.Model;

public sealed class EventIdsTests
{
    [Theory]
    [InlineData(1L)]
    [InlineData(255L)]
    [InlineData(1_000_000_007L)]
    [InlineData((1L << 56) - 1)]
    public void An_id_carries_its_sequence_and_ids_are_unique(long sequence)
    {
        var a = EventIds.Create(sequence);
        var b = EventIds.Create(sequence);
        Assert.NotEqual(a, b);
        Assert.True(EventIds.TryGetSequence(a, out var decoded));
        Assert.Equal(sequence, decoded);
        Assert.Equal('8', a.ToString()[14]); // UUID version 8
    }

    [Fact]
    public void A_foreign_uuid_has_no_sequence() => Assert.False(EventIds.TryGetSequence(Guid.NewGuid(), out _));
}

public sealed class DurationTests
{
    [Theory]
    [InlineData("50ms", 50)]
    [InlineData("5s", 5000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("2h", 7_200_000)]
    [InlineData("250", 250)]
    [InlineData("500 ms", 500)]
    [InlineData("1.5s", 1500)]
    public void Go_and_hocon_durations_parse(string text, double ms)
    {
        Assert.True(Duration.TryParse(text, out var d));
        Assert.Equal(ms, d.TotalMilliseconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("5 parsecs")]
    [InlineData("-5s")]
    [InlineData("1E+308")] // once an overflow that restarted the catalog, and left the caller waiting
    [InlineData("99999999999999d")]
    public void Nonsense_does_not_parse(string text) => Assert.False(Duration.TryParse(text, out _));
}

public sealed class EventFilterTests
{
    private static readonly Event Sample = new()
    {
        Id = Guid.NewGuid(), Sequence = 1, Type = "order_created", Namespace = "default", Topic = "orders", Created = DateTimeOffset.UnixEpoch,
    };

    [Theory]
    [InlineData(null, null, true)]
    [InlineData("^order_", null, true)]
    [InlineData("^invoice", null, false)]
    [InlineData("order", "^orders$", true)]
    [InlineData("order", "^eu$", false)]
    public void All_patterns_must_match(string? events, string? topic, bool matches) =>
        Assert.Equal(matches, EventFilter.Create(new SubscriptionFilter { Events = events, Topic = topic }).Matches(Sample));

    [Theory]
    [InlineData("", true)]
    [InlineData("^$", true)]
    [InlineData(".*", true)]
    [InlineData("gold", false)]
    public void A_missing_field_matches_only_patterns_that_accept_the_empty_string(string pattern, bool matches) =>
        Assert.Equal(matches, EventFilter.Create(new SubscriptionFilter { Tag = pattern }).Matches(Sample));

    [Fact]
    public void A_pattern_that_backtracks_catastrophically_still_matches_in_linear_time_and_skips_nothing()
    {
        // On a backtracking engine the first alternative explores 2^40 ways before the second is tried;
        // with a match timeout that event was skipped. Here it matches, at once.
        var filter = EventFilter.Create(new SubscriptionFilter { Topic = "^(a+)+$|x" });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.True(filter.Matches(Sample with { Topic = new string('a', 40) + "bx" }));
        Assert.False(filter.Matches(Sample with { Topic = new string('a', 5000) + "b" }));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Theory]
    [InlineData("(?=order)order", "filter.events")]
    [InlineData("(o)\\1", "filter.events")]
    [InlineData("(?>order)", "filter.events")]
    public void Constructs_without_a_linear_time_match_are_refused_naming_the_field(string pattern, string field)
    {
        var ex = Assert.Throws<ActorDispatchException>(() => EventFilter.Create(new SubscriptionFilter { Events = pattern }));
        Assert.StartsWith("AD10101:", ex.Message);
        Assert.Contains($"'{field}'", ex.Message);
        Assert.Contains("linear time", ex.Message);
    }

    [Fact]
    public void A_pattern_longer_than_the_limit_is_refused_naming_the_field()
    {
        var ex = Assert.Throws<ActorDispatchException>(() => EventFilter.Create(new SubscriptionFilter { Topic = new string('a', EventFilter.MaxPatternLength + 1) }));
        Assert.Contains("'filter.topic'", ex.Message);
        Assert.Contains($"{EventFilter.MaxPatternLength}", ex.Message);
        Assert.NotNull(EventFilter.Create(new SubscriptionFilter { Topic = new string('a', EventFilter.MaxPatternLength) }));
    }
}

public sealed class TransportConfigTests
{
    [Fact]
    public void Declared_defaults_are_overridden_from_hocon_and_unknown_keys_are_refused_by_name()
    {
        var builder = new TransportConfigBuilder().AddKnownKey("pingInterval", "30s").AddKnownKey("maxConnections", "100");

        var config = builder.Build("ws", ConfigurationFactory.ParseString("maxConnections = 7"));
        Assert.Equal(TimeSpan.FromSeconds(30), config.GetDuration("pingInterval"));
        Assert.Equal(7, config.GetInt("maxConnections"));

        var ex = Assert.Throws<ActorDispatchException>(() => builder.Build("ws", ConfigurationFactory.ParseString("pingIntervall = 5s")));
        Assert.Contains("actordispatch.transports.ws.pingIntervall", ex.Message);
    }

    [Fact]
    public void Keys_nested_under_a_declared_key_are_kept_as_dotted_keys()
    {
        var builder = new TransportConfigBuilder().AddKnownKey("tls");
        var config = builder.Build("hooks", ConfigurationFactory.ParseString("""tls.internal { ca-file = "/etc/ca.pem", insecure = off }"""));
        Assert.Equal("/etc/ca.pem", config.GetString("tls.internal.ca-file"));
        Assert.Equal("off", config.GetString("tls.internal.insecure"));
    }
}
