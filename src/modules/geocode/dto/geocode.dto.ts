import { ApiProperty } from '@nestjs/swagger';
import { FieldsParam } from '../../../common/http/list-query.js';
import { Text } from '../../../common/http/text-field.js';

export const GEOCODE_FIELDS = ['query', 'address', 'lat', 'lng'] as const;

export class GeocodeQuery {
  @Text({ maxLength: 500, description: 'a postal address or a well-known place', example: '東京駅' })
  address!: string;

  @FieldsParam(GEOCODE_FIELDS)
  fields?: string;
}

export class GeocodeDto {
  @ApiProperty({
    description: 'the address asked, normalised (NFKC, spaces collapsed, lower case)',
    example: '東京駅',
    maxLength: 500,
    pattern: '^.*$',
  })
  query!: string;

  @ApiProperty({
    description: 'the address the maps service resolved it to',
    example: '東京都千代田区丸の内1丁目',
    maxLength: 500,
    pattern: '^.*$',
  })
  address!: string;

  @ApiProperty({ example: 35.681236, minimum: -90, maximum: 90, format: 'double' })
  lat!: number;

  @ApiProperty({ example: 139.767125, minimum: -180, maximum: 180, format: 'double' })
  lng!: number;
}
