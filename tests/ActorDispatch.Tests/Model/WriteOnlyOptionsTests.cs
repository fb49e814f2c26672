using System.Collections.Immutable;
using System.Text.Json;
using ActorDispatch.Model;
using ActorDispatch.Subscriptions;

namespace ActorDispatch.Tests.Model;

public sealed class WriteOnlyOptionsTests
{
    private static readonly WriteOnlyOptions Schema = WriteOnlyOptions.From(JsonDocument.Parse("""
        {"type":"object","properties":{
          "url":{"type":"string"},
          "secret":{"type":"string","writeOnly":true},
          "headers":{"type":"object","writeOnly":true},
          "flag":{"type":"boolean","writeOnly":false}}}
        """).RootElement);

    private static SubscriptionOptions Options(string json) => new()
    {
        Transport = JsonDocument.Parse(json).RootElement.EnumerateObject()
            .ToImmutableSortedDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal),
    };

    private static string Text(SubscriptionOptions o) => JsonSerializer.Serialize(o.Transport);

    [Fact]
    public void Write_only_values_and_the_values_of_write_only_objects_are_masked_and_nothing_else()
    {
        var redacted = Schema.Redact(Options("""{"url":"http://h/","secret":"s","headers":{"X-Key":"k","X-B":"b"},"flag":true}"""));
        Assert.Equal("""{"flag":true,"headers":{"X-Key":"********","X-B":"********"},"secret":"********","url":"http://h/"}""", Text(redacted));
    }

    [Fact]
    public void A_masked_value_sent_back_keeps_the_stored_one_and_a_new_value_replaces_it()
    {
        var stored = Options("""{"url":"http://h/","secret":"old secret","headers":{"X-Key":"old","X-B":"b"}}""");
        var kept = Schema.KeepStored(Schema.Redact(stored) with { }, stored);
        Assert.Equal(Text(stored), Text(kept));

        var changed = Schema.KeepStored(Options("""{"url":"http://h/","secret":"new secret","headers":{"X-Key":"********","X-C":"c"}}"""), stored);
        Assert.Equal("""{"headers":{"X-Key":"old","X-C":"c"},"secret":"new secret","url":"http://h/"}""", Text(changed));
    }

    [Theory]
    [InlineData("""{"secret":"********"}""", "'options.secret'")]
    [InlineData("""{"headers":{"X-New":"********"}}""", "'options.headers.X-New'")]
    public void A_masked_value_with_nothing_stored_behind_it_is_refused_naming_the_option(string json, string names)
    {
        var ex = Assert.Throws<ActorDispatchException>(() => Schema.KeepStored(Options(json), Options("""{"headers":{"X-Key":"k"}}""")));
        Assert.Contains(names, ex.Message);
        Assert.Throws<ActorDispatchException>(() => Schema.KeepStored(Options(json), null));
    }
}
