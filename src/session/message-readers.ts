/**
 * The fast reader's message builders: each reads one message type of the
 * incoming user message (Message, PlatformContext, User, Attachment,
 * Timestamp) with the wire reader, every field in
 * the shape `create()` gives, and gives up on a tag it does not expect or a
 * nested message field that occurs twice.
 *
 * @module
 */
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import type { Attachment, Message, PlatformContext, User } from "../schema/index.js";
import {
  attachmentTags,
  messageTags,
  platformContextTags,
  timestampTags,
  userTags,
} from "./decoder-tags.js";
import {
  giveUp,
  more,
  readInt32,
  readInt64,
  readNested,
  readNestedOnce,
  readString,
  readStringMapEntry,
  readTag,
} from "./wire-reader.js";

/** Reads a Message (the user message of incoming_message) up to `end`. */
export function readMessage(end: number): Message {
  let id = "";
  let platform = "";
  let content = "";
  let conversationId = "";
  let timestamp: Timestamp | undefined;
  let platformContext: PlatformContext | undefined;
  let user: User | undefined;
  const attachments: Attachment[] = [];
  while (more(end)) {
    switch (readTag(end)) {
      case messageTags.id:
        id = readString(end);
        break;
      case messageTags.timestamp:
        timestamp = readNestedOnce(end, timestamp, readTimestamp);
        break;
      case messageTags.platform:
        platform = readString(end);
        break;
      case messageTags.platformContext:
        platformContext = readNestedOnce(end, platformContext, readPlatformContext);
        break;
      case messageTags.user:
        user = readNestedOnce(end, user, readUser);
        break;
      case messageTags.content:
        content = readString(end);
        break;
      case messageTags.attachments:
        attachments.push(readNested(end, readAttachment));
        break;
      case messageTags.conversationId:
        conversationId = readString(end);
        break;
      default:
        giveUp();
    }
  }
  const message: Message = {
    $typeName: "astro.messaging.v1.Message",
    id,
    platform,
    content,
    attachments,
    conversationId,
  };
  if (timestamp !== undefined) message.timestamp = timestamp;
  if (platformContext !== undefined) message.platformContext = platformContext;
  if (user !== undefined) message.user = user;
  return message;
}

/** Reads a PlatformContext up to `end`. */
function readPlatformContext(end: number): PlatformContext {
  let messageId = "";
  let channelId = "";
  let threadId = "";
  let channelName = "";
  let workspaceId = "";
  const platformData: { [key: string]: string } = {};
  let botUserId = "";
  let eventKind = 0;
  let threadRootId = "";
  let userId = "";
  while (more(end)) {
    switch (readTag(end)) {
      case platformContextTags.messageId:
        messageId = readString(end);
        break;
      case platformContextTags.channelId:
        channelId = readString(end);
        break;
      case platformContextTags.threadId:
        threadId = readString(end);
        break;
      case platformContextTags.channelName:
        channelName = readString(end);
        break;
      case platformContextTags.workspaceId:
        workspaceId = readString(end);
        break;
      case platformContextTags.platformData:
        readStringMapEntry(platformData, end);
        break;
      case platformContextTags.botUserId:
        botUserId = readString(end);
        break;
      case platformContextTags.eventKind:
        eventKind = readInt32(end);
        break;
      case platformContextTags.threadRootId:
        threadRootId = readString(end);
        break;
      case platformContextTags.userId:
        userId = readString(end);
        break;
      default:
        giveUp();
    }
  }
  return {
    $typeName: "astro.messaging.v1.PlatformContext",
    messageId,
    channelId,
    threadId,
    channelName,
    workspaceId,
    platformData,
    botUserId,
    eventKind,
    threadRootId,
    userId,
  };
}

/** Reads a User up to `end`. */
function readUser(end: number): User {
  let id = "";
  let username = "";
  let avatarUrl = "";
  let email = "";
  const userData: { [key: string]: string } = {};
  while (more(end)) {
    switch (readTag(end)) {
      case userTags.id:
        id = readString(end);
        break;
      case userTags.username:
        username = readString(end);
        break;
      case userTags.avatarUrl:
        avatarUrl = readString(end);
        break;
      case userTags.email:
        email = readString(end);
        break;
      case userTags.userData:
        readStringMapEntry(userData, end);
        break;
      default:
        giveUp();
    }
  }
  return { $typeName: "astro.messaging.v1.User", id, username, avatarUrl, email, userData };
}

/** Reads an Attachment up to `end`. */
function readAttachment(end: number): Attachment {
  let type = 0;
  let url = "";
  let filename = "";
  let sizeBytes = 0n;
  let mimeType = "";
  let title = "";
  let description = "";
  let width = 0;
  let height = 0;
  let storageKey = "";
  while (more(end)) {
    switch (readTag(end)) {
      case attachmentTags.type:
        type = readInt32(end);
        break;
      case attachmentTags.url:
        url = readString(end);
        break;
      case attachmentTags.filename:
        filename = readString(end);
        break;
      case attachmentTags.sizeBytes:
        sizeBytes = readInt64(end);
        break;
      case attachmentTags.mimeType:
        mimeType = readString(end);
        break;
      case attachmentTags.title:
        title = readString(end);
        break;
      case attachmentTags.description:
        description = readString(end);
        break;
      case attachmentTags.width:
        width = readInt32(end);
        break;
      case attachmentTags.height:
        height = readInt32(end);
        break;
      case attachmentTags.storageKey:
        storageKey = readString(end);
        break;
      default:
        giveUp();
    }
  }
  return {
    $typeName: "astro.messaging.v1.Attachment",
    type,
    url,
    filename,
    sizeBytes,
    mimeType,
    title,
    description,
    width,
    height,
    storageKey,
  };
}

/** Reads a google.protobuf.Timestamp up to `end`. */
function readTimestamp(end: number): Timestamp {
  let seconds = 0n;
  let nanos = 0;
  while (more(end)) {
    switch (readTag(end)) {
      case timestampTags.seconds:
        seconds = readInt64(end);
        break;
      case timestampTags.nanos:
        nanos = readInt32(end);
        break;
      default:
        giveUp();
    }
  }
  return { $typeName: "google.protobuf.Timestamp", seconds, nanos };
}
