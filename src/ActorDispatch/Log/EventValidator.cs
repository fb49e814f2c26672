using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using ActorDispatch.Model;

namespace ActorDispatch.Log;

/// <summary>Checks appended events and namespace names against docs/protocol.md's rules, naming the field at fault.</summary>
internal static partial class EventValidator
{
    [GeneratedRegex("^[A-Za-z0-9_.:-]{1,64}$")]
    private static partial Regex TypePattern();

    [GeneratedRegex("^[a-z0-9_-]{1,64}$")]
    private static partial Regex NamespacePattern();

    public const int MaxStringLength = 256;

    public static void ValidateNamespace(string? ns)
    {
        if (ns is null || !NamespacePattern().IsMatch(ns)) throw Errors.InvalidNamespace(ns ?? "");
    }

    public static void Validate(NewEvent e, long maxDataSize, int maxDataDepth, string prefix = "")
    {
        if (string.IsNullOrEmpty(e.Type)) throw Errors.InvalidField(prefix + "type", "is required");
        if (!TypePattern().IsMatch(e.Type)) throw Errors.InvalidField(prefix + "type", "must be 1-64 characters of [A-Za-z0-9_.:-]");
        CheckLength(e.Topic, prefix + "topic");
        CheckLength(e.Tag, prefix + "tag");
        CheckLength(e.Author, prefix + "author");
        if (e.Data is { } data)
        {
            // The size of the JSON text as it arrived, read without copying it (this runs for every append).
            var raw = JsonMarshal.GetRawUtf8Value(data);
            if (raw.Length > maxDataSize) throw Errors.PayloadTooLarge(prefix + "data", raw.Length, maxDataSize);
            if (Depth(raw, maxDataDepth) is var depth && depth > maxDataDepth)
                throw Errors.InvalidField(prefix + "data", $"nests {depth} levels of arrays and objects, more than the limit of {maxDataDepth} (log.max-data-depth)");
        }
    }

    // The nesting of a JSON text, counted only as far as one past the limit. It cannot be deeper
    // than its brackets are many, and counting those is a vectorised pass: most data needs no more.
    private static int Depth(ReadOnlySpan<byte> json, int limit)
    {
        if (json.Count((byte)'[') + json.Count((byte)'{') <= limit) return 0;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = limit + 1 });
        var deepest = 0;
        try
        {
            while (reader.Read()) deepest = Math.Max(deepest, reader.CurrentDepth + (reader.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject ? 1 : 0));
        }
        catch (JsonException)
        {
            return limit + 1; // deeper than limit + 1: the reader stopped there
        }
        return deepest;
    }

    public static void Validate(IReadOnlyList<NewEvent> events, long maxDataSize, int maxDataDepth)
    {
        if (events.Count == 0) throw Errors.InvalidField("events", "at least one event is required");
        if (events.Count == 1)
        {
            Validate(events[0], maxDataSize, maxDataDepth);
            return;
        }
        for (var i = 0; i < events.Count; i++)
        {
            try
            {
                Validate(events[i], maxDataSize, maxDataDepth);
            }
            catch (ActorDispatchException)
            {
                Validate(events[i], maxDataSize, maxDataDepth, $"[{i}]."); // again, naming the event's position
                throw;
            }
        }
    }

    private static void CheckLength(string? value, string field)
    {
        if (value is { Length: > MaxStringLength }) throw Errors.InvalidField(field, $"longer than {MaxStringLength} characters");
    }
}
