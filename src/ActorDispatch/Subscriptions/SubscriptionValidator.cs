using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using ActorDispatch.Configuration;
using ActorDispatch.Log;
using ActorDispatch.Model;
using ActorDispatch.Transports;
using Json.Schema;

namespace ActorDispatch.Subscriptions;

/// <summary>
/// Validates subscription definitions before anything is stored: names, filter regexes, core option
/// ranges, the transport's options against its JSON Schema, then the transport's own
/// <see cref="IEventTransport.ValidateOptions"/>. Every refusal names the field.
/// </summary>
internal sealed partial class SubscriptionValidator
{
    private const int MaxBatchSize = 10_000;
    private const int MaxBackoffSteps = 100;

    [GeneratedRegex("^[0-9A-Za-z]([0-9A-Za-z._-]{0,62}[0-9A-Za-z])?$")]
    private static partial Regex NamePattern();

    private readonly DispatchSettings _settings;
    private readonly IReadOnlyDictionary<string, (IEventTransport Transport, JsonSchema Schema, WriteOnlyOptions WriteOnly)> _transports;

    public SubscriptionValidator(DispatchSettings settings, IEnumerable<IEventTransport> transports)
    {
        _settings = settings;
        _transports = transports.ToDictionary(t => t.Name, BuildSchema, StringComparer.Ordinal);
    }

    /// <summary>The subscription as it may be shown: its write-only transport options masked.</summary>
    public Subscription Redact(Subscription subscription) =>
        _transports.TryGetValue(subscription.Transport, out var t) ? subscription with { Options = t.WriteOnly.Redact(subscription.Options) } : subscription;

    /// <summary>The input to save: write-only options sent back masked keep the values <paramref name="stored"/> has.</summary>
    public SubscriptionInput KeepStored(SubscriptionInput input, Subscription? stored) =>
        _transports.TryGetValue(input.Transport, out var t) ? input with { Options = t.WriteOnly.KeepStored(input.Options, stored?.Options) } : input;

    /// <summary>Every transport the engine runs.</summary>
    public IEnumerable<IEventTransport> Transports => _transports.Values.Select(t => t.Transport);

    public IEventTransport Transport(string name) =>
        _transports.TryGetValue(name, out var t) ? t.Transport : throw Errors.UnknownTransport(name, _transports.Keys.Order());

    /// <summary>Validates a durable subscription's input; returns the options as the transport adjusted them.</summary>
    public SubscriptionOptions ValidateDurable(SubscriptionInput input)
    {
        EventValidator.ValidateNamespace(input.Namespace);
        if (string.IsNullOrEmpty(input.Name) || !NamePattern().IsMatch(input.Name))
            throw Errors.InvalidField("name", "must be 1-64 characters of [0-9A-Za-z._-], starting and ending with a letter or digit");
        return Validate(input.Transport, input.Filter, input.Options);
    }

    /// <summary>Validates an ephemeral subscription's filter and options for a transport.</summary>
    public SubscriptionOptions Validate(string transportName, SubscriptionFilter filter, SubscriptionOptions options)
    {
        if (string.IsNullOrEmpty(transportName)) throw Errors.InvalidField("transport", "is required");
        var transport = Transport(transportName);
        EventFilter.Create(filter);
        ValidateCore(options, transport);
        ValidateTransportOptions(transportName, options);
        var adjusted = transport.ValidateOptions(options);
        ValidateCore(adjusted, transport);
        return adjusted;
    }

    private void ValidateCore(SubscriptionOptions o, IEventTransport transport)
    {
        if (o.FirstEvent is { } first && first is not ("oldest" or "newest") &&
            !(long.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1))
            throw Errors.InvalidOption("firstEvent", $"'{first}' is not 'oldest', 'newest' or a sequence number >= 1");
        if (o.ReadAhead is { } ra && (ra < 0 || ra > _settings.MaxReadAhead))
            throw Errors.InvalidOption("readAhead", $"{ra} is outside 0..{_settings.MaxReadAhead}");
        if (o.BatchSize is { } bs && bs is < 1 or > MaxBatchSize)
            throw Errors.InvalidOption("batchSize", $"{bs} is outside 1..{MaxBatchSize}");
        PositiveDuration(o.BatchTimeout, "batchTimeout");
        PositiveDuration(o.AckTimeout, "ackTimeout");
        if (o.MaxDeliveries is < 0)
            throw Errors.InvalidOption("maxDeliveries", $"{o.MaxDeliveries} is below 0 (0 retries for ever)");
        if (o.Backoff is { } backoff)
        {
            if (backoff.Count is 0 or > MaxBackoffSteps) throw Errors.InvalidOption("backoff", $"must list 1..{MaxBackoffSteps} durations");
            foreach (var step in backoff) PositiveDuration(step, "backoff");
        }
        if (o.Batch == true && !transport.Capabilities.BatchDelivery)
            throw Errors.InvalidOption("batch", $"transport '{transport.Name}' does not support batch delivery");
    }

    private static void PositiveDuration(string? value, string option)
    {
        if (value is not null && (!Model.Duration.TryParse(value, out var d) || d <= TimeSpan.Zero))
            throw Errors.InvalidOption(option, $"'{value}' is not a positive duration such as '50ms'");
    }

    private void ValidateTransportOptions(string transportName, SubscriptionOptions options)
    {
        var schema = _transports[transportName].Schema;
        var instance = JsonSerializer.SerializeToElement(options.Transport, ActorDispatchJson.Options);
        var result = schema.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid) return;

        // The deepest failure names the option best: 'options.retry.count' rather than 'options'.
        var failure = (result.Details ?? []).Prepend(result)
            .Where(d => d.Errors is { Count: > 0 })
            .OrderByDescending(d => d.InstanceLocation.ToString().Length)
            .FirstOrDefault();
        var location = failure?.InstanceLocation.ToString().TrimStart('/').Replace('/', '.') ?? "";
        var (keyword, message) = failure?.Errors?.FirstOrDefault() is { Key: not null } e
            ? (e.Key, e.Value)
            : ("", "does not match the transport's options schema");
        // additionalProperties:false fails each extra property against the 'false' schema.
        if (keyword is "false" or "additionalProperties" or "unevaluatedProperties" || message.Contains("false schema", StringComparison.Ordinal))
            throw Errors.InvalidOption(location, $"unknown option for transport '{transportName}'");
        if (keyword == "required" && RequiredMissing(message) is { } missing)
            throw Errors.InvalidOption(location.Length == 0 ? missing : $"{location}.{missing}", "is required");
        throw Errors.InvalidOption(location.Length == 0 ? transportName : location, message);
    }

    // JsonSchema.Net words it: Required properties ["url"] are not present
    private static string? RequiredMissing(string message)
    {
        var start = message.IndexOf("[\"", StringComparison.Ordinal);
        var end = start < 0 ? -1 : message.IndexOf('"', start + 2);
        return end > start ? message[(start + 2)..end] : null;
    }

    private static (IEventTransport, JsonSchema, WriteOnlyOptions) BuildSchema(IEventTransport transport)
    {
        using var doc = transport.GetOptionsSchema();
        return (transport, JsonSchema.FromText(doc.RootElement.GetRawText(), new BuildOptions { SchemaRegistry = new SchemaRegistry() }),
            WriteOnlyOptions.From(doc.RootElement));
    }
}
