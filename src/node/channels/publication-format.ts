import type { ChannelOptions } from '../../config/types.js';
import { jsonPayloadText } from '../../protocol/index.js';

/** The first byte that is not JSON whitespace, or -1. */
function firstToken(data: Uint8Array): number {
  for (const b of data) if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return b;
  return -1;
}

/**
 * What is wrong with publication data under a channel's `publication_data_format`, as
 * Centrifugo checks it on client and API publishes: "" (the default) refuses empty data,
 * `json` wants valid JSON, `json_object` a JSON object, `binary` takes anything, empty too.
 * `knownJson`: the data came as a JSON value (a JSON client's frame, the API's `data` field),
 * so it is valid JSON already and only its kind is looked at.
 */
export function publicationDataProblem(data: Uint8Array, format: ChannelOptions['publicationDataFormat'], knownJson: boolean): string | undefined {
  switch (format) {
    case 'binary':
      return undefined;
    case 'json':
      if (knownJson) return data.length > 0 ? undefined : 'data required';
      return jsonPayloadText(data) === undefined ? 'data is not valid JSON' : undefined;
    case 'json_object':
      if (!knownJson && jsonPayloadText(data) === undefined) return 'data is not valid JSON';
      return firstToken(data) === 0x7b ? undefined : 'data is not a JSON object';
    default:
      return data.length === 0 ? 'data required' : undefined;
  }
}
