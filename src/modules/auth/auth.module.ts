import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthGuard } from './auth.guard.js';
import { ClientsService } from './clients.service.js';
import { ApiClient } from './entities/api-client.entity.js';
import { TokenController } from './token.controller.js';
import { TokenService } from './token.service.js';

@Global()
@Module({
  imports: [TypeOrmModule.forFeature([ApiClient])],
  controllers: [TokenController],
  providers: [TokenService, ClientsService, AuthGuard],
  exports: [TokenService, AuthGuard],
})
export class AuthModule {}
