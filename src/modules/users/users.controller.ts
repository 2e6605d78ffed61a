import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiEnvelope, ApiProblemResponses } from '../../common/http/rest.decorators.js';
import { resourceController } from '../../common/resource/resource.controller.js';
import { Auth } from '../auth/index.js';
import { UserProfileDto } from './dto/user.dto.js';
import { ProfileFieldsQuery } from './dto/profile-fields.query.js';
import { UsersService } from './users.service.js';
import { usersResource } from './users.resource.js';

@ApiTags('users')
@Controller({ path: 'users', version: '1' })
export class UsersController extends resourceController(usersResource, {
  read: Auth('users:read'),
  write: Auth('users:write'),
}) {
  constructor(private readonly users: UsersService) {
    super(users);
  }

  @Get(':userId/profile')
  @Auth('users:read')
  @ApiParam({
    name: 'userId',
    description: 'the user id',
    example: '01JEXAMPLE0000000000000000',
    schema: { type: 'string', maxLength: 40, pattern: '^[0-9A-Za-z_-]+$' },
  })
  @ApiOperation({
    operationId: 'getUserProfile',
    summary: "A user's profile (served from the cache when warm)",
    description: 'The user as shown to others; served from the cache when warm.',
  })
  @ApiEnvelope(UserProfileDto)
  @ApiProblemResponses(404)
  profile(@Param('userId') id: string, @Query() _query: ProfileFieldsQuery): Promise<UserProfileDto> {
    return this.users.profile(id);
  }
}
