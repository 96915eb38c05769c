using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Messaging.Stores.S3;

/// <summary>
/// An <see cref="IBlobStore"/> on S3 or an S3-compatible server. An upload is an S3 multipart upload: appended bytes
/// are buffered until a part of <see cref="S3BlobStoreOptions.PartSize"/> (at least the 5 MiB S3 minimum) can be
/// sent; completion sends the smaller last part and completes the multipart upload into one object.
/// </summary>
/// <remarks>
/// Everything needed to continue an open upload lives in the bucket: a state object next to the blob's key holds the
/// multipart upload id, the committed parts and the unsent tail, rewritten in one PUT by every append. So any
/// instance on the same bucket continues an upload another one started, also after that one restarted or died; the
/// offset reported is exactly what the state object records. An instance keeps the state it last saw as a cache and
/// re-validates it against the state object's ETag before each append. Completed blobs are plain objects.
/// A client passed to the constructor belongs to the caller and is never disposed here.
/// </remarks>
public sealed class S3BlobStore : IBlobStore, IDisposable
{
    private const int ReadBufferSize = 81_920;
    private const string LengthMetadata = "x-amz-meta-length";
    private const string OffsetMetadata = "x-amz-meta-offset";
    private readonly IAmazonS3 _s3;
    private readonly bool _ownsClient;
    private readonly S3BlobStoreOptions _options;
    private readonly ConcurrentDictionary<string, S3UploadSession> _uploads = new(StringComparer.Ordinal);

    /// <summary>Creates the store with its own S3 client built from <paramref name="options"/>.</summary>
    /// <param name="options">The options.</param>
    public S3BlobStore(S3BlobStoreOptions options)
        : this(CreateClient(options), options, ownsClient: true)
    {
    }

    /// <summary>Creates the store on a client the caller owns (and disposes).</summary>
    /// <param name="client">The S3 client.</param>
    /// <param name="options">The options (the client settings in them are not used).</param>
    public S3BlobStore(IAmazonS3 client, S3BlobStoreOptions options)
        : this(client, options, ownsClient: false)
    {
    }

    private S3BlobStore(IAmazonS3 client, S3BlobStoreOptions options, bool ownsClient)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.BucketName);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.PartSize, S3BlobStoreOptions.MinimumPartSize);
        _s3 = client;
        _options = options;
        _ownsClient = ownsClient;
    }

    /// <summary>Whether the server refused to abort a multipart upload (some S3-compatible servers cannot); see the README.</summary>
    public bool AbortUnsupported { get; private set; }

    /// <inheritdoc />
    public async ValueTask CreateAsync(string blobId, long length, string contentType, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        var key = S3Keys.Blob(_options.KeyPrefix, blobId);
        if (await HeadStateAsync(blobId, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw new InvalidOperationException($"An upload with id {blobId} exists.");
        }

        var started = await _s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
        {
            BucketName = _options.BucketName,
            Key = key,
            ContentType = contentType,
        }, cancellationToken).ConfigureAwait(false);

        var session = _uploads.GetOrAdd(blobId, _ => new S3UploadSession());
        session.State = await SaveStateAsync(blobId, started.UploadId, length, [], 0, [], cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<BlobUploadState?> GetStateAsync(string blobId, CancellationToken cancellationToken = default)
    {
        if (!BlobIds.IsValid(blobId))
        {
            return null;
        }

        if (await HeadStateAsync(blobId, cancellationToken).ConfigureAwait(false) is { } open)
        {
            return new BlobUploadState(
                long.Parse(open.Metadata[LengthMetadata], CultureInfo.InvariantCulture),
                long.Parse(open.Metadata[OffsetMetadata], CultureInfo.InvariantCulture),
                Completed: false);
        }

        var length = await GetObjectLengthAsync(blobId, cancellationToken).ConfigureAwait(false);
        return length is { } bytes ? new BlobUploadState(bytes, bytes, Completed: true) : null;
    }

    /// <inheritdoc />
    public async ValueTask<long> AppendAsync(string blobId, long offset, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (!BlobIds.IsValid(blobId))
        {
            throw new MessagingNotFoundException("Upload not found.");
        }

        var session = _uploads.GetOrAdd(blobId, _ => new S3UploadSession());
        if (!await session.Gate.WaitAsync(0, cancellationToken).ConfigureAwait(false))
        {
            throw new MediaOffsetConflictException(-1, "Another append to this upload is in progress.");
        }

        try
        {
            var state = await RequireStateAsync(blobId, session, cancellationToken).ConfigureAwait(false);
            if (state.Offset != offset)
            {
                throw new MediaOffsetConflictException(state.Offset, $"The upload is at offset {state.Offset}.");
            }

            await AppendLockedAsync(blobId, session, state, content, cancellationToken).ConfigureAwait(false);
            return session.State!.Offset;
        }
        finally
        {
            session.Gate.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask<string> CompleteAsync(string blobId, CancellationToken cancellationToken = default)
    {
        if (!BlobIds.IsValid(blobId))
        {
            throw new MessagingNotFoundException("Upload not found.");
        }

        var session = _uploads.GetOrAdd(blobId, _ => new S3UploadSession());
        await session.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (await CurrentStateAsync(blobId, session, cancellationToken).ConfigureAwait(false) is { } state)
            {
                if (state.Offset != state.Length)
                {
                    throw new MediaOffsetConflictException(state.Offset, $"Only {state.Offset} of {state.Length} bytes are stored.");
                }

                var parts = state.Parts.ToList();
                if (state.Tail.Length > 0 || parts.Count == 0)
                {
                    parts.Add(await UploadPartAsync(blobId, state.UploadId, parts.Count + 1, state.Tail, state.Tail.Length, cancellationToken).ConfigureAwait(false));
                }

                try
                {
                    await _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
                    {
                        BucketName = _options.BucketName,
                        Key = S3Keys.Blob(_options.KeyPrefix, blobId),
                        UploadId = state.UploadId,
                        PartETags = parts,
                    }, cancellationToken).ConfigureAwait(false);
                }
                catch (AmazonS3Exception exception) when (exception.StatusCode == HttpStatusCode.NotFound)
                {
                    // Completed before, by an instance that stopped before it removed the state object; else gone.
                    if (await GetObjectLengthAsync(blobId, cancellationToken).ConfigureAwait(false) is null)
                    {
                        throw;
                    }
                }

                await _s3.DeleteObjectAsync(_options.BucketName, S3Keys.UploadState(_options.KeyPrefix, blobId), CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            Forget(blobId, session);
            session.Gate.Release();
        }

        // The hash is taken from what S3 stored, so a server that corrupted the bytes shows it here.
        var stream = await OpenReadAsync(blobId, 0, null, cancellationToken).ConfigureAwait(false) ?? throw new MessagingNotFoundException("Upload not found.");
        await using (stream.ConfigureAwait(false))
        {
            return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
        }
    }

    /// <inheritdoc />
    public async ValueTask<Stream?> OpenReadAsync(string blobId, long offset = 0, long? count = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (!BlobIds.IsValid(blobId))
        {
            return null;
        }

        var length = await GetObjectLengthAsync(blobId, cancellationToken).ConfigureAwait(false);
        if (length is not { } total)
        {
            return null;
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, total);
        var end = Math.Min(total, offset + (count ?? total - offset));
        if (end <= offset)
        {
            return new MemoryStream([], writable: false);
        }

        try
        {
            var response = await _s3.GetObjectAsync(new GetObjectRequest
            {
                BucketName = _options.BucketName,
                Key = S3Keys.Blob(_options.KeyPrefix, blobId),
                ByteRange = new ByteRange(offset, end - 1),
            }, cancellationToken).ConfigureAwait(false);
            return response.ResponseStream;
        }
        catch (AmazonS3Exception exception) when (exception.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public async ValueTask<bool> DeleteAsync(string blobId, CancellationToken cancellationToken = default)
    {
        if (!BlobIds.IsValid(blobId))
        {
            return false;
        }

        var session = _uploads.GetOrAdd(blobId, _ => new S3UploadSession());
        await session.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (await CurrentStateAsync(blobId, session, cancellationToken).ConfigureAwait(false) is { } state)
            {
                await AbortAsync(S3Keys.Blob(_options.KeyPrefix, blobId), state.UploadId).ConfigureAwait(false);
                await _s3.DeleteObjectAsync(_options.BucketName, S3Keys.UploadState(_options.KeyPrefix, blobId), CancellationToken.None).ConfigureAwait(false);
                return true;
            }
        }
        finally
        {
            Forget(blobId, session);
            session.Gate.Release();
        }

        if (await GetObjectLengthAsync(blobId, cancellationToken).ConfigureAwait(false) is null)
        {
            return false;
        }

        await _s3.DeleteObjectAsync(_options.BucketName, S3Keys.Blob(_options.KeyPrefix, blobId), cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Disposes the S3 client when this store created it.</summary>
    public void Dispose()
    {
        if (_ownsClient)
        {
            _s3.Dispose();
        }
    }

    private static AmazonS3Client CreateClient(S3BlobStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle,
            RequestChecksumCalculation = options.RequestChecksumCalculation,
            ResponseChecksumValidation = options.ResponseChecksumValidation,
        };

        if (options.ServiceUrl is { } serviceUrl)
        {
            config.ServiceURL = serviceUrl.ToString();
            config.AuthenticationRegion = options.Region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
        }

        return options.AccessKey is { } accessKey && options.SecretKey is { } secretKey
            ? new AmazonS3Client(new BasicAWSCredentials(accessKey, secretKey), config)
            : new AmazonS3Client(config);
    }

    // Reads the chunk into the tail and sends a part whenever the tail reaches the part size, then saves the new state
    // (parts and tail) in one write. Nothing of a chunk that overruns the declared length is kept (parts sent for it
    // are left out of the state and later overwritten); when the source fails, what was received is saved so the
    // client can resume after it.
    private async Task AppendLockedAsync(string blobId, S3UploadSession session, S3UploadState state, Stream content, CancellationToken cancellationToken)
    {
        var remaining = state.Length - state.Offset;
        var pending = new MemoryStream();
        pending.Write(state.Tail);
        var parts = state.Parts.ToList();
        var partBytes = state.PartBytes;
        long received = 0;
        var buffer = ArrayPool<byte>.Shared.Rent(ReadBufferSize);
        try
        {
            int read;
            while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (received + read > remaining)
                {
                    throw new MediaLengthExceededException($"The chunk goes past the declared length of {state.Length} bytes.");
                }

                pending.Write(buffer, 0, read);
                received += read;
                if (pending.Length >= _options.PartSize)
                {
                    parts.Add(await UploadPartAsync(blobId, state.UploadId, parts.Count + 1, pending.GetBuffer(), (int)pending.Length, cancellationToken).ConfigureAwait(false));
                    partBytes += pending.Length;
                    pending.SetLength(0);
                }
            }
        }
        catch (Exception exception) when (exception is not MediaLengthExceededException && received > 0)
        {
            // The request's token may be what failed; the bytes received are saved regardless.
            session.State = await SaveStateAsync(blobId, state.UploadId, state.Length, parts, partBytes, pending.GetBuffer().AsSpan(0, (int)pending.Length).ToArray(), CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (received > 0)
        {
            session.State = await SaveStateAsync(blobId, state.UploadId, state.Length, parts, partBytes, pending.ToArray(), CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<PartETag> UploadPartAsync(string blobId, string uploadId, int partNumber, byte[] bytes, int count, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream(bytes, 0, count, writable: false);
        var response = await _s3.UploadPartAsync(new UploadPartRequest
        {
            BucketName = _options.BucketName,
            Key = S3Keys.Blob(_options.KeyPrefix, blobId),
            UploadId = uploadId,
            PartNumber = partNumber,
            PartSize = count,
            InputStream = body,
            UseChunkEncoding = _options.UseChunkEncoding,
        }, cancellationToken).ConfigureAwait(false);
        return new PartETag(partNumber, response.ETag);
    }

    // Writes the whole state of an open upload as one object (so a reader never sees parts without their tail), with
    // the length and offset also as metadata for a cheap HEAD.
    private async Task<S3UploadState> SaveStateAsync(string blobId, string uploadId, long length, IReadOnlyList<PartETag> parts, long partBytes, byte[] tail, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream(S3UploadState.Serialize(uploadId, length, parts, partBytes, tail), writable: false);
        var request = new PutObjectRequest
        {
            BucketName = _options.BucketName,
            Key = S3Keys.UploadState(_options.KeyPrefix, blobId),
            InputStream = body,
            ContentType = "application/octet-stream",
            UseChunkEncoding = _options.UseChunkEncoding,
        };
        request.Metadata[LengthMetadata] = length.ToString(CultureInfo.InvariantCulture);
        request.Metadata[OffsetMetadata] = (partBytes + tail.Length).ToString(CultureInfo.InvariantCulture);
        var response = await _s3.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
        return new S3UploadState(uploadId, length, parts, partBytes, tail, response.ETag);
    }

    // The open upload's state, from this instance's cache when the state object is unchanged since this instance last
    // read or wrote it (same ETag), else read from the bucket; null when no upload is open under the id.
    private async Task<S3UploadState?> CurrentStateAsync(string blobId, S3UploadSession session, CancellationToken cancellationToken)
    {
        if (await HeadStateAsync(blobId, cancellationToken).ConfigureAwait(false) is not { } head)
        {
            session.State = null;
            return null;
        }

        if (session.State is { } cached && string.Equals(cached.ETag, head.ETag, StringComparison.Ordinal))
        {
            return cached;
        }

        try
        {
            using var response = await _s3.GetObjectAsync(_options.BucketName, S3Keys.UploadState(_options.KeyPrefix, blobId), cancellationToken).ConfigureAwait(false);
            using var body = new MemoryStream();
            await response.ResponseStream.CopyToAsync(body, cancellationToken).ConfigureAwait(false);
            session.State = S3UploadState.Deserialize(body.ToArray(), response.ETag);
            return session.State;
        }
        catch (AmazonS3Exception exception) when (exception.StatusCode == HttpStatusCode.NotFound)
        {
            session.State = null;
            return null;
        }
    }

    private async Task<S3UploadState> RequireStateAsync(string blobId, S3UploadSession session, CancellationToken cancellationToken)
    {
        if (await CurrentStateAsync(blobId, session, cancellationToken).ConfigureAwait(false) is { } state)
        {
            return state;
        }

        Forget(blobId, session);
        if (await GetObjectLengthAsync(blobId, cancellationToken).ConfigureAwait(false) is { } length)
        {
            throw new MediaOffsetConflictException(length, "The upload is complete.");
        }

        throw new MessagingNotFoundException("Upload not found.");
    }

    private async Task<GetObjectMetadataResponse?> HeadStateAsync(string blobId, CancellationToken cancellationToken)
    {
        try
        {
            return await _s3.GetObjectMetadataAsync(_options.BucketName, S3Keys.UploadState(_options.KeyPrefix, blobId), cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception exception) when (exception.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    // Drops this instance's cache entry of a finished or missing upload (only the entry it holds, not a newer one).
    private void Forget(string blobId, S3UploadSession session) =>
        _uploads.TryRemove(new KeyValuePair<string, S3UploadSession>(blobId, session));

    private async ValueTask<long?> GetObjectLengthAsync(string blobId, CancellationToken cancellationToken)
    {
        try
        {
            var metadata = await _s3.GetObjectMetadataAsync(_options.BucketName, S3Keys.Blob(_options.KeyPrefix, blobId), cancellationToken).ConfigureAwait(false);
            return metadata.ContentLength;
        }
        catch (AmazonS3Exception exception) when (exception.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private async Task AbortAsync(string key, string uploadId)
    {
        try
        {
            await _s3.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _options.BucketName, Key = key, UploadId = uploadId }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (AmazonS3Exception exception) when (exception.StatusCode is HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotImplemented)
        {
            // Some S3-compatible servers cannot abort: the upload is forgotten here and never completed, so its parts
            // are never an object; a bucket lifecycle rule (AbortIncompleteMultipartUpload) reclaims them on AWS.
            AbortUnsupported = true;
        }
    }
}
